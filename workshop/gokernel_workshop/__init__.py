"""The lessons for a room of learners: JupyterHub on one machine, or an image for a cluster.

layout      the installed application (the kernel, JupyterLab, the lessons) under one prefix,
            and the environment a single-user server needs to find it there
entrypoint  what starts a learner's server: copies the lessons into $HOME, then runs the server
sizing      the memory limit of a learner's interpreter, from the machine and the head count
spawner     the JupyterHub spawner: a home and (as root) a uid of its own for each learner
hubconfig   the JupyterHub configuration the launcher's settings describe
launcher    `python3 -m gokernel_workshop start|stop|status`: the hub, its ports, its end
procs       the processes of a workshop, found in /proc
"""
