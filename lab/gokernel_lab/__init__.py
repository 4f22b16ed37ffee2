"""JupyterLab 4 for the gokernel lessons, on Debian's jupyter_server 1.23.

The front end is the bundle that ``lab/build.mjs`` builds from the npm @jupyterlab packages;
this module serves it through jupyterlab_server 2.16 (page config, settings schemas, themes,
workspaces, translations) and leaves kernels, sessions and files to jupyter_server.

Standalone:   python3 -m gokernel_lab [jupyter_server options]     (PYTHONPATH=lab)
In a server:  --ServerApp.jpserver_extensions gokernel_lab=True (e.g. a JupyterHub
              single-user server), with the same base_url and token handling as JupyterLab.
"""

import json
import os

from jupyter_core.paths import jupyter_config_dir
from jupyterlab_server import LabServerApp
from traitlets import Bool, Unicode, default

HERE = os.path.dirname(os.path.abspath(__file__))


def _jupyter_server_extension_points():
    return [{"module": "gokernel_lab", "app": GoLabApp}]


class GoLabApp(LabServerApp):
    """JupyterLab at /lab, built from our own entry point."""

    name = "gokernel_lab"
    app_name = "JupyterLab"
    extension_url = "/lab"
    file_url_prefix = "/lab/tree"
    # Started on its own it is the whole application; inside another server (JupyterHub's
    # single-user server) the other extensions are that server's business.
    load_other_extensions = False

    build_dir = Unicode(
        help="The folder `node build.mjs` wrote: static/, schemas/ and themes/ (GOKERNEL_LAB_BUILD)."
    ).tag(config=True)

    expose_app_in_browser = Bool(
        False, help="Make the application object reachable as window.jupyterapp (for tests)."
    ).tag(config=True)

    @default("build_dir")
    def _default_build_dir(self):
        return os.environ.get("GOKERNEL_LAB_BUILD") or os.path.join(os.path.dirname(HERE), "build")

    @default("static_dir")
    def _default_static_dir(self):
        return os.path.join(self.build_dir, "static")

    @default("schemas_dir")
    def _default_schemas_dir(self):
        return os.path.join(self.build_dir, "schemas")

    @default("themes_dir")
    def _default_themes_dir(self):
        return os.path.join(self.build_dir, "themes")

    @default("templates_dir")
    def _default_templates_dir(self):
        return os.path.join(HERE, "templates")

    # Where JupyterLab keeps a user's settings and workspaces, so a theme chosen here is the
    # theme chosen there.
    @default("user_settings_dir")
    def _default_user_settings_dir(self):
        return os.environ.get("JUPYTERLAB_SETTINGS_DIR") or os.path.join(
            jupyter_config_dir(), "lab", "user-settings"
        )

    @default("workspaces_dir")
    def _default_workspaces_dir(self):
        return os.environ.get("JUPYTERLAB_WORKSPACES_DIR") or os.path.join(
            jupyter_config_dir(), "lab", "workspaces"
        )

    # The bundle has no module federation: prebuilt extensions found on the system (Debian
    # puts some in /usr/share/jupyter/labextensions) could not load, so none is offered.
    @default("labextensions_path")
    def _default_labextensions_path(self):
        return []

    @default("app_version")
    def _default_app_version(self):
        try:
            with open(os.path.join(self.build_dir, "build.json"), encoding="utf-8") as f:
                return json.load(f)["versions"]["@jupyterlab/application"]
        except (OSError, KeyError, ValueError):
            return ""

    def initialize_settings(self):
        bundle = os.path.join(self.static_dir, "bundle.js")
        if not os.path.exists(bundle):
            raise SystemExit(
                f"gokernel_lab: {bundle} is missing: build it with `make lab` "
                "(or `npm ci && node build.mjs` in lab/)"
            )
        super().initialize_settings()
        settings = self.serverapp.web_app.settings
        page_config = settings.setdefault("page_config_data", {})
        # As JupyterLab does on jupyter_server 1.x: the client sends the token itself, so
        # a websocket or a request from a proxied page needs no cookie.
        page_config.setdefault("token", self.serverapp.token)
        page_config.setdefault("exposeAppInBrowser", self.expose_app_in_browser)
        page_config.setdefault("quitButton", getattr(self.serverapp, "quit_button", True))
        page_config.setdefault("appVersion", self.app_version)
        # No terminal plugin in this build: the client needn't poll /api/terminals.
        page_config["terminalsAvailable"] = False


main = launch_new_instance = GoLabApp.launch_instance
