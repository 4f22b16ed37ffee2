// The gokernel JupyterLab: JupyterLab 4's own plugins, chosen for a learner, started over
// the REST and websocket APIs that Debian's jupyter_server 1.23 serves.
//
// Which packages make the application is said once, in ../plugins.json: build.mjs turns it
// into the module 'gokernel-lab:plugins' (each package's plugins and its style) and copies
// the settings schemas of exactly those plugins.

import { JupyterPluginRegistry, PageConfig } from '@jupyterlab/coreutils';
import { JupyterLab } from '@jupyterlab/application';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';

import { extensions, mimeExtensions, leftOut } from 'gokernel-lab:plugins';

// The server puts the token in the page config; the one in the address bar has done its
// job (the server set its cookie), so it goes before it can land in a bookmark or a
// screenshot.
function dropTokenFromAddress() {
  const url = new URL(window.location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.href);
  }
}

// Each package's default export is one plugin or a list of them.
function pluginsOf(module) {
  const exported = module && module.__esModule ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

// The plugins of a package that this app runs: not left out here, not disabled in the page
// config (page_config.json, as in JupyterLab).
function active(modules) {
  const plugins = [];
  for (const module of modules) {
    for (const plugin of pluginsOf(module)) {
      if (leftOut.has(plugin.id) || PageConfig.Extension.isDisabled(plugin.id)) continue;
      plugins.push(plugin);
    }
  }
  return plugins;
}

async function main() {
  dropTokenFromAddress();

  const plugins = active(extensions);
  const registry = new JupyterPluginRegistry();
  registry.registerPlugins(plugins);

  // The service manager (kernels, sessions, contents, settings...) comes from
  // @jupyterlab/services-extension, like every other service.
  const connectionStatus = await registry.resolveOptionalService(IConnectionStatus);
  const serviceManager = await registry.resolveRequiredService(IServiceManager);

  const lab = new JupyterLab({
    pluginRegistry: registry,
    serviceManager,
    connectionStatus,
    mimeExtensions: active(mimeExtensions),
    disabled: { matches: [], patterns: [] },
    deferred: { matches: [], patterns: [] },
    availablePlugins: plugins.map((p) => ({
      id: p.id,
      description: p.description,
      requires: p.requires ?? [],
      optional: p.optional ?? [],
      provides: p.provides ?? null,
      autoStart: p.autoStart,
      enabled: true,
      extension: p.id.split(':')[0],
    })),
  });

  // Tests (and curious learners) reach the application object when the server says so.
  if ((PageConfig.getOption('exposeAppInBrowser') || '').toLowerCase() === 'true') {
    window.jupyterapp = lab;
  }
  await lab.start({ bubblingKeydown: true });
  await lab.restored;
}

window.addEventListener('load', () => {
  main().catch((err) => {
    console.error('JupyterLab did not start:', err);
    const box = document.createElement('pre');
    box.className = 'golab-start-error';
    box.textContent = `JupyterLab did not start: ${err && err.stack ? err.stack : err}`;
    document.body.appendChild(box);
  });
});
