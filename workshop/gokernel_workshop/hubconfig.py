"""The JupyterHub configuration of a workshop, from the settings the launcher wrote.

jupyterhub_config.py (beside this file) calls configure(c, settings); the settings are the
JSON file named by GOKERNEL_WORKSHOP_SETTINGS (launcher.py writes it in <workshop>/hub/).
"""

import json
import os

from . import layout

SETTINGS_ENV = "GOKERNEL_WORKSHOP_SETTINGS"

LOGIN_NOTE = (
    "Sign in with a name of your own and the workshop's password. "
    "The same name brings you back to your lessons.<br>"
    "자기만의 이름과 워크숍 비밀번호로 로그인하세요. 같은 이름으로 다시 들어오면 하던 수업이 그대로 있습니다."
)


def load_settings(path=None):
    path = path or os.environ[SETTINGS_ENV]
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def cull_args(idle):
    """jupyter_server's idle-kernel culling: a kernel with no activity for idle seconds and
    no browser tab connected is shut down. 0: never."""
    if not idle:
        return []
    return [
        f"--MappingKernelManager.cull_idle_timeout={idle}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, idle // 3))}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
    ]


def configure(c, s):
    hub_dir = os.path.join(s["dir"], "hub")
    c.JupyterHub.bind_url = f"http://{s['ip']}:{s['port']}/"
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = s["hub_port"]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api_port']}"
    c.ConfigurableHTTPProxy.pid_file = os.path.join(hub_dir, "proxy.pid")
    c.JupyterHub.db_url = "sqlite:///" + os.path.join(hub_dir, "jupyterhub.sqlite")
    c.JupyterHub.cookie_secret_file = os.path.join(hub_dir, "cookie_secret")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    # The memory limit assumes this many learners: one more is asked to wait.
    c.JupyterHub.active_server_limit = s["learners"]
    c.JupyterHub.template_vars = {"announcement_login": LOGIN_NOTE}

    if s["auth"] == "pam":
        c.JupyterHub.authenticator_class = "pam"
        c.PAMAuthenticator.allowed_groups = {s["pam_group"]}
    else:
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = s["password"]
        # Names become folders and URLs: letters (any script), digits, '.', '-', '_'.
        c.Authenticator.username_pattern = r"^\w[\w.-]{0,31}$"

    # The launcher's read-only view for `status` and the benchmark.
    c.JupyterHub.services = [{"name": "workshop-status", "api_token": s["status_token"]}]
    c.JupyterHub.load_roles = [
        {
            "name": "workshop-status",
            "scopes": ["list:users", "read:users", "read:servers"],
            "services": ["workshop-status"],
        }
    ]

    c.JupyterHub.spawner_class = "gokernel_workshop.spawner.WorkshopSpawner"
    c.WorkshopSpawner.workshop_dir = s["dir"]
    c.WorkshopSpawner.app_dir = s["app"]
    c.WorkshopSpawner.langs = s["langs"]
    c.WorkshopSpawner.uid_base = s["uid_base"]
    c.WorkshopSpawner.accounts = s["auth"] == "pam"
    c.WorkshopSpawner.memory_limit = str(s["memory_limit"])
    c.WorkshopSpawner.go_root = s.get("go_root") or ""
    c.WorkshopSpawner.args = [
        # The lessons' kernel only (Debian's ipykernel, if installed, is not offered), and no
        # terminals: our JupyterLab has no terminal to open one with.
        "--KernelSpecManager.allowed_kernelspecs=gokernel",
        "--MappingKernelManager.default_kernel_name=gokernel",
        "--ServerApp.terminals_enabled=False",
        "--KernelManager.transport=ipc",
        *cull_args(s["cull_idle"]),
        *s["server_args"],
    ]
    # Thirty servers starting at once on two cores take a while.
    c.WorkshopSpawner.http_timeout = 180
    c.WorkshopSpawner.start_timeout = 240
    c.WorkshopSpawner.term_timeout = 20
    if not os.path.exists(layout.paths(s["app"])["entrypoint"]):
        raise SystemExit(f"gokernel_workshop: the application is not installed in {s['app']}")
