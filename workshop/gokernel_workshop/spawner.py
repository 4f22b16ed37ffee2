"""The workshop's spawner: each learner's server from the installed application, in a home
of its own and, when the hub runs as root, under a uid of its own.

Who a learner's processes run as:

- hub as root, shared password (the default): uid and gid `uid_base + the learner's id in
  the hub's database`, a number no account on the machine has (checked at each start; the
  system's user database is not changed). Home: <workshop>/learners/<name>, mode 0700.
  The learner's processes may number at most `max_tasks` (RLIMIT_NPROC, counted per uid).
- hub as root, PAM: the learner's own account, uid, groups and home (never root).
- hub as another user: that user, for every learner; homes as above.

Kernels talk to their server over ipc sockets in <workshop>/run/<id>/, mode 0700: no
ports to collide (thirty servers picking tcp ports at once did collide), and no other
learner can connect.

The language comes from the learner's choice on the spawn form (shown when the host offers
more than one), from `?lang=` on /hub/spawn, or from `{"lang": ...}` in the API's spawn
request; otherwise the host's first language. The entrypoint copies the lessons in it into
the home and opens its start page.
"""

import os
import pwd
import resource
import shutil

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Bool, Integer, List, Unicode, default

from . import layout, procs

LANG_NAMES = {"en": "English", "ko": "한국어"}


class WorkshopSpawner(LocalProcessSpawner):
    workshop_dir = Unicode(help="The workshop's folder: learners/ holds the homes.").tag(config=True)
    app_dir = Unicode(help="Where the application is installed (layout.py).").tag(config=True)
    langs = List(Unicode(), ["en"], help="The languages offered, the default first.").tag(config=True)
    uid_base = Integer(0, help="Learner n runs as uid uid_base + n; 0: as the hub's user.").tag(config=True)
    accounts = Bool(False, help="Learners are the machine's accounts (PAM).").tag(config=True)
    max_tasks = Integer(1024, help="RLIMIT_NPROC of a learner's uid: processes and threads.").tag(config=True)
    memory_limit = Unicode(help="GOKERNEL_MEMORY_LIMIT for the learner's kernels.").tag(config=True)
    go_root = Unicode(help="GOROOT for the kernel's doc comments (Shift-Tab).").tag(config=True)

    @default("cmd")
    def _default_cmd(self):
        return [layout.paths(self.app_dir)["entrypoint"], "jupyterhub-singleuser"]

    @default("options_form")
    def _default_options_form(self):
        if len(self.langs) < 2:
            return ""
        options = "\n".join(
            f'<option value="{lang}"{" selected" if i == 0 else ""}>{LANG_NAMES.get(lang, lang)}</option>'
            for i, lang in enumerate(self.langs)
        )
        return (
            '<label for="lang">Lessons in · 수업 언어</label>\n'
            f'<select class="form-control" name="lang" id="lang">\n{options}\n</select>'
        )

    def options_from_form(self, formdata):
        return {"lang": (formdata.get("lang") or [""])[0]}

    def options_from_query(self, query_data):
        return self.options_from_form(query_data)

    def lang(self):
        lang = (self.user_options or {}).get("lang") or self.langs[0]
        if isinstance(lang, list):
            lang = lang[0]
        if lang not in self.langs:
            raise ValueError(f"no lessons in {lang!r}: this workshop offers {', '.join(self.langs)}")
        return lang

    def identity(self):
        """(uid, gid, home, login name) of the learner's processes; uid None: the hub's own."""
        if self.accounts:
            pw = pwd.getpwnam(self.user.name)
            if pw.pw_uid == 0:
                raise ValueError("a learner's server never runs as root")
            return pw.pw_uid, pw.pw_gid, pw.pw_dir, pw.pw_name
        home = os.path.join(self.workshop_dir, "learners", self.user.name)
        if not self.uid_base:
            return None, None, home, self.user.name
        uid = self.uid_base + self.user.id
        try:
            taken = pwd.getpwuid(uid)
        except KeyError:
            return uid, uid, home, self.user.name
        raise ValueError(f"uid {uid} for {self.user.name} belongs to the account {taken.pw_name}: choose another --uid-base")

    def runtime_dir(self):
        """Where the learner's kernels put their connection files and ipc sockets: short
        (a socket's path has at most 107 bytes) and private to the learner."""
        return os.path.join(self.workshop_dir, "run", str(self.user.id))

    def _prepare_runtime(self, uid, gid):
        run = os.path.dirname(self.runtime_dir())
        os.makedirs(run, exist_ok=True)
        os.chmod(run, 0o711 if uid is not None else 0o700)
        shutil.rmtree(self.runtime_dir(), ignore_errors=True)  # what a killed server left
        os.mkdir(self.runtime_dir(), 0o700)
        if uid is not None:
            os.chown(self.runtime_dir(), uid, gid)

    def _prepare_home(self, uid, gid, home):
        if self.accounts:
            return
        learners = os.path.dirname(home)
        os.makedirs(learners, exist_ok=True)
        # Learners may pass through to their own home but not list the others'.
        os.chmod(learners, 0o711 if uid is not None else 0o700)
        os.makedirs(home, mode=0o700, exist_ok=True)
        if uid is not None and os.lstat(home).st_uid != uid:
            # A new database gave the name another id: the files follow. Links are not
            # followed (lchown), so a learner's symlink can't hand them anything else.
            for root, dirs, files in os.walk(home):
                os.lchown(root, uid, gid)
                for f in dirs + files:
                    os.lchown(os.path.join(root, f), uid, gid)
        os.chmod(home, 0o700)

    async def start(self):
        self._lang = self.lang()
        self._uid, self._gid, self._home, self._login = self.identity()
        self._prepare_home(self._uid, self._gid, self._home)
        self._prepare_runtime(self._uid, self._gid)
        self.notebook_dir = self._home
        return await super().start()

    def user_env(self, env):
        env.update(layout.env(self.app_dir))
        path = [layout.paths(self.app_dir)["bin"]]
        if self.go_root:
            env["GOROOT"] = self.go_root
            path.append(os.path.join(self.go_root, "bin"))
        env["PATH"] = ":".join(path + ["/usr/local/bin", "/usr/bin", "/bin"])
        env["HOME"] = self._home
        env["USER"] = env["LOGNAME"] = self._login
        env["SHELL"] = "/bin/sh"
        env["GOKERNEL_LESSONS"] = self._lang
        env["GOKERNEL_LESSONS_DIR"] = "gokernel-lessons" if self.accounts else ""
        if self.memory_limit:
            env["GOKERNEL_MEMORY_LIMIT"] = self.memory_limit
        env["JUPYTER_RUNTIME_DIR"] = self.runtime_dir()
        env[procs.MARK] = self.workshop_dir
        return env

    def make_preexec_fn(self, name):
        uid, gid, home, login = self._uid, self._gid, self._home, self._login
        accounts, max_tasks = self.accounts, self.max_tasks

        def preexec():
            if uid is not None:
                if accounts:
                    os.initgroups(login, gid)
                else:
                    os.setgroups([])
                os.setgid(gid)
                if not accounts:
                    resource.setrlimit(resource.RLIMIT_NPROC, (max_tasks, max_tasks))
                os.setuid(uid)
                os.umask(0o077)
            os.chdir(home)

        return preexec

    async def stop(self, now=False):
        # SIGTERM first: jupyter_server then shuts its kernels down before it exits. The
        # single-user app answers SIGINT (LocalProcessSpawner's first signal) by ending its
        # event loop at once, leaving each kernel to notice that its parent is gone.
        await super().stop(now=True)
        shutil.rmtree(self.runtime_dir(), ignore_errors=True)
