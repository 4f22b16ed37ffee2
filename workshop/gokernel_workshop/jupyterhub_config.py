# JupyterHub's configuration for a workshop: everything is in hubconfig.py, from the
# settings the launcher wrote (GOKERNEL_WORKSHOP_SETTINGS).
from gokernel_workshop.hubconfig import configure, load_settings

configure(c, load_settings())  # noqa: F821 (c is JupyterHub's config object)
