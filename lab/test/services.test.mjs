// gokernel through @jupyterlab/services from Node.js: the client code JupyterLab runs, with
// no browser, against Debian's jupyter_server 1.23 (which speaks the v1 kernel websocket
// subprotocol) and against Debian's Notebook 6.4 (the legacy JSON messages): execute,
// display, complete, inspect, is_complete, interrupt and restart.
//
//   node --test lab/test/services.test.mjs     (after `make lab build`)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { JupyterServer, KERNEL, labDir, removeWorkspace, workspace } from './harness.mjs';

// The app's own copy of the packages, the one the bundle is built from.
const require = createRequire(`${labDir}/package.json`);
const { KernelManager, KernelMessage, ServerConnection } = require('@jupyterlab/services');
const WebSocket = require('ws');

const V1 = KernelMessage.supportedKernelWebSocketProtocols.v1KernelWebsocketJupyterOrg;

// A WebSocket that remembers which subprotocol each server chose.
const chosen = [];
class RecordingWebSocket extends WebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    this.addEventListener('open', () => chosen.push(this.protocol));
  }
}

// Runs code and collects what the kernel published for it on iopub, and its reply.
async function execute(kernel, code) {
  const iopub = [];
  const future = kernel.requestExecute({ code, stop_on_error: false });
  future.onIOPub = (msg) => {
    if (!['status', 'execute_input'].includes(msg.header.msg_type)) iopub.push(msg);
  };
  const reply = await future.done;
  return { reply: reply.content, iopub };
}

const text = (v) => (Array.isArray(v) ? v.join('') : v ?? '');

const servers = [
  { kind: 'lab', name: "jupyter_server 1.23 (our JupyterLab's server)", protocol: V1 },
  { kind: 'notebook', name: 'Notebook 6.4', protocol: '' },
];

for (const { kind, name, protocol } of servers) {
  describe(`@jupyterlab/services and ${name}`, { timeout: 300_000 }, () => {
    const S = {};

    before(async () => {
      S.ws = workspace(`services-${kind}`);
      S.server = await JupyterServer.start(kind, S.ws, { baseUrl: '/user/learner/' });
      const base = S.server.url('', false);
      S.settings = ServerConnection.makeSettings({
        baseUrl: base,
        wsUrl: base.replace(/^http/, 'ws'),
        token: S.server.token,
        appendToken: true,
        WebSocket: RecordingWebSocket,
      });
      S.manager = new KernelManager({ serverSettings: S.settings });
      await S.manager.ready;
      chosen.length = 0;
      S.kernel = await S.manager.startNew({ name: KERNEL });
      S.info = await S.kernel.info;
    });

    after(async () => {
      try { await S.kernel?.shutdown(); } catch { /* the server stops it anyway */ }
      S.kernel?.dispose();
      S.manager?.dispose();
      if (S.server) {
        S.server.saveLog(`services-${kind}`);
        await S.server.stop();
      }
      removeWorkspace(S.ws);
    });

    test('connects with the expected websocket protocol; kernel_info says Go', () => {
      assert.deepEqual(chosen, [protocol], `subprotocol chosen by ${name}`);
      assert.equal(S.info.language_info.name, 'go');
      assert.equal(S.info.language_info.codemirror_mode, 'go', 'codemirror_mode: the editor highlights Go');
      assert.equal(S.info.language_info.mimetype, 'text/x-go');
      assert.equal(S.info.implementation, 'gokernel');
    });

    test('execute: streams and the final value', async () => {
      const { reply, iopub } = await execute(S.kernel, 'import "fmt"\nx := 6 * 7\nfmt.Println("hello from", x)\nx');
      assert.equal(reply.status, 'ok');
      const stdout = iopub.filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout')
        .map((m) => m.content.text).join('');
      assert.equal(stdout, 'hello from 42\n');
      const result = iopub.find((m) => m.header.msg_type === 'execute_result');
      assert.equal(result?.content.data['text/plain'], '42');
      assert.equal(result.content.execution_count, reply.execution_count);
    });

    test('display: display_data, update_display_data in place, Markdown', async () => {
      const { reply, iopub } = await execute(S.kernel, [
        'import "gokernel/display"',
        'd := display.NewDisplay()',
        'd.Text("one")',
        'd.HTML("<b>two</b>")',
        'display.Markdown("**three**")',
      ].join('\n'));
      assert.equal(reply.status, 'ok');
      const kinds = iopub.map((m) => m.header.msg_type);
      assert.deepEqual(kinds, ['display_data', 'update_display_data', 'display_data'], 'messages');
      const [first, update, md] = iopub;
      const id = first.content.transient?.display_id;
      assert.ok(id, 'the first output has a display_id');
      assert.equal(text(first.content.data['text/plain']), 'one');
      assert.equal(update.content.transient?.display_id, id, 'the update names the same display');
      assert.equal(text(update.content.data['text/html']), '<b>two</b>');
      assert.equal(text(md.content.data['text/markdown']), '**three**');
    });

    test('complete: members of fmt with their types', async () => {
      const code = 'fmt.Pr';
      const reply = (await S.kernel.requestComplete({ code, cursor_pos: code.length })).content;
      assert.equal(reply.status, 'ok');
      for (const want of ['Print', 'Printf', 'Println']) assert.ok(reply.matches.includes(want), `${want} in ${reply.matches}`);
      assert.equal(reply.cursor_start, 4);
      assert.equal(reply.cursor_end, code.length);
      const types = reply.metadata?._jupyter_types_experimental ?? [];
      assert.equal(types.find((t) => t.text === 'Println')?.type, 'function', 'Println has type function');
    });

    test('inspect: the signature of time.Sleep', async () => {
      const code = 'time.Sleep';
      const reply = (await S.kernel.requestInspect({ code, cursor_pos: code.length, detail_level: 0 })).content;
      assert.equal(reply.status, 'ok');
      assert.equal(reply.found, true);
      assert.match(text(reply.data['text/plain']), /func Sleep\(d Duration\)/);
    });

    test('is_complete: an open brace asks for more', async () => {
      const open = (await S.kernel.requestIsComplete({ code: 'func f() {' })).content;
      assert.equal(open.status, 'incomplete');
      const done = (await S.kernel.requestIsComplete({ code: 'y := 1' })).content;
      assert.equal(done.status, 'complete');
    });

    test('interrupt: for {} stops, earlier names stay', async () => {
      await execute(S.kernel, 'kept := 41');
      const busy = new Promise((resolve) => {
        const onStatus = (_, status) => {
          if (status === 'busy') {
            S.kernel.statusChanged.disconnect(onStatus);
            resolve();
          }
        };
        S.kernel.statusChanged.connect(onStatus);
      });
      const loop = execute(S.kernel, 'for {\n}');
      await busy;
      await S.kernel.interrupt();
      const { reply, iopub } = await loop;
      assert.equal(reply.status, 'error', 'the interrupted cell ends in an error');
      const err = iopub.find((m) => m.header.msg_type === 'error');
      assert.match(`${err?.content.ename} ${err?.content.evalue}`, /interrupt/i);
      const after = await execute(S.kernel, 'kept + 1');
      assert.equal(after.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '42');
    });

    test('restart: a fresh interpreter on the same connection', async () => {
      await execute(S.kernel, 'gone := 1');
      const statuses = [];
      const onStatus = (_, s) => statuses.push(s);
      S.kernel.statusChanged.connect(onStatus);
      await S.kernel.restart();
      await S.kernel.info;
      S.kernel.statusChanged.disconnect(onStatus);
      assert.ok(statuses.includes('restarting'), `status went through restarting: ${statuses}`);
      const { reply, iopub } = await execute(S.kernel, 'gone');
      assert.equal(reply.status, 'error');
      assert.match(iopub.find((m) => m.header.msg_type === 'error')?.content.evalue ?? '', /undefined: gone/);
      const again = await execute(S.kernel, '2 * 21');
      assert.equal(again.iopub.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '42');
    });
  });
}
