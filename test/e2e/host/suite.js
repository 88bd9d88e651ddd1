// The extension-host half of test/e2e/vscode.test.ts: VS Code loads this module as the
// `extensionTestsPath` of an Extension Development Host (code-server's workbench URL `payload`) and
// calls run() inside its extension host, with the real `vscode` API and the Samsara Replay
// extension loaded from the repository. It debugs the demo recording through VS Code's debug
// service (so through the extension's adapter factory and configuration provider) and writes its
// verdict to a JSON file the vitest side reads: more reliable than scraping the browser console.
//
// Plain JavaScript: it is not compiled, and it must not import anything but `vscode` and Node.
'use strict';

const fs = require('node:fs');
const vscode = require('vscode');

const STEP_TIMEOUT_MS = 60_000;

/** What the vitest side passes: through the environment of code-server (which the extension host inherits). */
function readConfig() {
  const file = process.env.SAMSARA_E2E_CONFIG;
  if (!file) throw new Error('SAMSARA_E2E_CONFIG is not set in the extension host');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeResult(file, result) {
  fs.writeFileSync(`${file}.part`, JSON.stringify(result, null, 2));
  fs.renameSync(`${file}.part`, file);
}

exports.run = async function run() {
  let config;
  try {
    config = readConfig();
  } catch (e) {
    // Nowhere to write a verdict: say it in the console (forwarded to the browser) and fail.
    console.error(`samsara e2e: ${e.stack || e}`);
    throw e;
  }
  const steps = [];
  const messages = []; // the DAP traffic of the session, for the report when something fails
  const step = (name, detail) => {
    steps.push({ step: name, ms: Date.now() - t0, ...detail });
    console.log(`samsara e2e: ${name} ${JSON.stringify(detail ?? {})}`);
  };
  const t0 = Date.now();
  const disposables = [];
  let session;
  try {
    // Stops, in order; each is consumed by one nextStop().
    const stops = [];
    let waiter;
    const breakpointResponses = [];
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('samsara', {
        createDebugAdapterTracker: () => ({
          onWillReceiveMessage: (m) => {
            messages.push({ to: 'adapter', command: m.command, arguments: m.arguments });
          },
          onDidSendMessage: (m) => {
            messages.push(m.type === 'event' ? { event: m.event, body: m.body } : { response: m.command, success: m.success, message: m.message, body: m.command === 'setBreakpoints' || m.command === 'stackTrace' ? m.body : undefined });
            if (m.type === 'response' && m.command === 'setBreakpoints') breakpointResponses.push(m);
            if (m.type === 'event' && m.event === 'stopped') {
              stops.push(m.body);
              if (waiter) waiter();
            }
          },
          onError: (e) => messages.push({ trackerError: String(e) }),
          onExit: (code, signal) => messages.push({ adapterExit: code, signal }),
        }),
      }),
    );
    const nextStop = async (what) => {
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      while (stops.length === 0) {
        if (Date.now() > deadline) throw new Error(`no stopped event after ${what} in ${STEP_TIMEOUT_MS} ms`);
        await new Promise((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 500);
        });
        waiter = undefined;
      }
      return stops.shift();
    };

    const objects = vscode.Uri.file(config.objects);
    // Line 123 (0-based 122) is in obj_put. Added before the session starts, so VS Code sends it
    // in the configuration phase, before configurationDone.
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    const bp = new vscode.SourceBreakpoint(new vscode.Location(objects, new vscode.Position(122, 0)));
    vscode.debug.addBreakpoints([bp]);

    const started = new Promise((resolve) => disposables.push(vscode.debug.onDidStartDebugSession((s) => s.type === 'samsara' && resolve(s))));
    const folder = vscode.workspace.workspaceFolders?.[0];
    const ok = await vscode.debug.startDebugging(folder, {
      type: 'samsara',
      request: 'launch',
      name: 'Samsara Replay',
      recording: config.recording,
      program: config.program,
      sourceRoot: config.sourceRoot,
      stopOnEntry: true,
    });
    if (!ok) throw new Error('vscode.debug.startDebugging returned false');
    session = await started;
    step('started', { name: session.name, type: session.type });

    const entry = await nextStop('startDebugging');
    if (entry.reason !== 'entry') throw new Error(`the first stop is not the entry: ${JSON.stringify(entry)}`);
    step('entry', entry);
    const verified = breakpointResponses.flatMap((r) => r.body?.breakpoints ?? []);
    step('breakpoints', { breakpoints: verified });
    if (!verified.some((b) => b.verified && b.line === 123)) throw new Error(`the breakpoint at objects.c:123 is not verified: ${JSON.stringify(verified)}`);

    const top = async (threadId) => {
      const r = await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 });
      const f = r.stackFrames[0];
      return { name: f.name, file: f.source?.name, path: f.source?.path, line: f.line };
    };
    const position = async () => (await session.customRequest('samsara/position')).position;

    await session.customRequest('continue', { threadId: entry.threadId ?? 1 });
    const hit = await nextStop('continue');
    const threadId = hit.threadId;
    const atHit = await top(threadId);
    step('continue', { stop: hit, top: atHit });
    if (hit.reason !== 'breakpoint' || atHit.name !== 'obj_put' || atHit.file !== 'objects.c' || atHit.line !== 123) throw new Error(`continue did not stop in obj_put at objects.c:123: ${JSON.stringify({ hit, atHit })}`);
    const hitPosition = await position();

    await session.customRequest('next', { threadId });
    const afterNext = await nextStop('next');
    const atNext = await top(threadId);
    step('next', { stop: afterNext, top: atNext });
    if (atNext.name !== 'obj_put' || atNext.line !== 124) throw new Error(`next did not go to objects.c:124: ${JSON.stringify(atNext)}`);

    await session.customRequest('stepBack', { threadId });
    const afterBack = await nextStop('stepBack');
    const atBack = await top(threadId);
    step('stepBack', { stop: afterBack, top: atBack });
    if (atBack.name !== 'obj_put' || atBack.line !== 123) throw new Error(`stepBack did not return to objects.c:123: ${JSON.stringify(atBack)}`);

    const p = await session.customRequest('samsara/position');
    step('position', p);
    if (typeof p.position !== 'number' || typeof p.end !== 'number' || !(p.position > 0 && p.position <= p.end)) throw new Error(`samsara/position: ${JSON.stringify(p)}`);

    // The extension's command, as the status bar item or the palette runs it (with an argument: no input box).
    const target = Math.floor(hitPosition / 2);
    await vscode.commands.executeCommand('samsara.seek', target);
    const afterSeek = await nextStop('samsara.seek');
    const seeked = await position();
    step('seek', { target, stop: afterSeek, position: seeked });
    if (seeked !== target) throw new Error(`samsara.seek ${target} stopped at position ${seeked}`);

    writeResult(config.result, { pass: true, steps, hitPosition, top: { hit: atHit, next: atNext, stepBack: atBack }, position: p, seek: { target, position: seeked } });
  } catch (e) {
    writeResult(config.result, { pass: false, error: String(e.stack || e), steps, messages: messages.slice(-80) });
  } finally {
    try {
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      if (session) await vscode.debug.stopDebugging(session);
    } catch {
      // the verdict is written; the vitest side kills code-server anyway
    }
    for (const d of disposables) d.dispose();
  }
};
