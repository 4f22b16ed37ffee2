// The few Node.js globals that browser code in JupyterLab's dependencies reads
// (path-browserify calls process.cwd()); esbuild injects this where they appear.
export const process = { cwd: () => '/', env: { NODE_ENV: 'production' }, platform: 'browser' };
