// The extension in a real VS Code: code-server (VS Code's server and web workbench) on this
// machine, driven by Playwright with Debian's Chromium (research/vscode-e2e.md). Two layers:
// A. an extension-host test: the workbench URL's `payload` loads the extension from the repository
//    as an Extension Development Host and runs test/e2e/host/suite.js inside its extension host,
//    with the real `vscode` API; it writes its verdict to a file that this side checks;
// B. a few UI checks: start the launch.json configuration from the command palette, then read and
//    click the debug toolbar, the call stack and the status bar item;
// C. the demo README's recipe as a user follows it: a frame in the call stack, an expression in the
//    Debug Console, "Add Data Breakpoint at Address" and Reverse;
// D. the program's data on a Linux recording: a function breakpoint, the Variables view's
//    arguments and an expanded struct, a hover in the editor, a Watch, "Break on Value Change" on a
//    member of a local and Reverse to its last write (screenshots of each step kept).
// The tools are set up by scripts/setup-e2e, outside the repository; without them this file is
// skipped, with the reason.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireLinuxGuest, requireTool, ROOT, samsaraAsync } from '../cli/helpers';
import { sharedRecording } from '../cli/recordings';
import { freePort, runCommand, SETTINGS, startDebugging, until, writeJson } from './workbench';

const E2E = path.join(process.env.SAMSARA_CACHE ?? path.join(os.homedir(), '.cache/samsara'), 'e2e');
const CODE_SERVER = path.join(E2E, 'node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.SAMSARA_CHROMIUM ?? '/usr/bin/chromium';
const DEMO = path.join(ROOT, 'guests/demo/demo.elf');
const OBJECTS = path.join(ROOT, 'guests/demo/objects.c');
const SUITE = path.join(ROOT, 'test/e2e/host/suite.js');
const TEST_TIMEOUT = 180_000;

const missing = [
  !fs.existsSync(CODE_SERVER) && `code-server (${CODE_SERVER})`,
  !fs.existsSync(path.join(E2E, 'node_modules/playwright-core/package.json')) && `playwright-core (in ${E2E})`,
  !fs.existsSync(CHROMIUM) && `chromium (${CHROMIUM})`,
  !fs.existsSync(path.join(ROOT, 'out/extension/extension.js')) && 'the compiled extension (out/extension/extension.js: run `npx tsc -p .`)',
].filter(Boolean);
const NOT_SET_UP = requireTool('the VS Code end-to-end set-up', `not set up: ${missing.join(', ')}; \`bash scripts/setup-e2e\` (as root) sets it up`, missing.length === 0);
const LINUX = NOT_SET_UP ? undefined : requireLinuxGuest('test D debugs a recording of the Linux guest in VS Code');

// playwright-core from the e2e cache, not from the project's dependencies.
type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
type Locator = import('playwright-core').Locator;


describe.skipIf(NOT_SET_UP)('the extension in VS Code (code-server + Chromium)', () => {
  // Made in beforeAll (not when the file is collected, so a skipped run leaves nothing behind).
  let tmp = '';
  let REC = '';
  let RESULT = '';
  let WS_A = ''; // test A's folder (breakpoints are kept per folder: keep A's and B's apart)
  let WS_B = '';
  let WS_C = ''; // test C's (its data breakpoint stays out of B's folder)
  let WS_D = ''; // test D's: the Linux recording, the kernel's sources under linux/ (a sourceMap)
  let server: ChildProcess | undefined;
  let serverLog = '';
  let oops = ''; // the recording's console output
  let browser: Browser | undefined;
  let base = '';
  let authority = '';

  /** The workbench URL for a folder, loading the extension from the repository (and a test module). */
  const workbenchUrl = (folder: string, testsPath?: string): string => {
    const payload: [string, string][] = [['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`]];
    if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${testsPath}`]);
    return `${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  };

  /** A page with its console kept in a log file (the extension host's console is forwarded there). */
  const openPage = async (name: string): Promise<{ page: Page; log: string }> => {
    const context = await browser!.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const log = path.join(tmp, `${name}-console.log`);
    page.on('console', (m) => fs.appendFileSync(log, `[${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => fs.appendFileSync(log, `[pageerror] ${e.stack ?? e}\n`));
    return { page, log };
  };

  beforeAll(async () => {
    const t0 = Date.now();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-e2e-'));
    REC = path.join(tmp, 'demo.rec');
    RESULT = path.join(tmp, 'host-result.json');
    WS_A = path.join(tmp, 'ws-host');
    WS_B = path.join(tmp, 'ws-ui');
    WS_C = path.join(tmp, 'ws-watch');
    WS_D = path.join(tmp, 'ws-linux');
    const CONFIG = path.join(tmp, 'host-config.json');
    const recorded = samsaraAsync(['record', '-o', REC, '--harts', '2', '--clock', 'virtual', '--append', 'seed=5', DEMO], { timeoutMs: 120_000 });
    recorded.catch(() => {}); // awaited below, after code-server and Chromium are up

    for (const ws of [WS_A, WS_B, WS_C]) writeJson(path.join(ws, '.vscode/settings.json'), SETTINGS);
    // sourceRoot: the demo's DWARF paths are relative to the repository (comp_dir guests/demo),
    // and these folders are not the repository.
    for (const ws of [WS_B, WS_C]) {
      writeJson(path.join(ws, '.vscode/launch.json'), {
        version: '0.2.0',
        configurations: [{ type: 'samsara', request: 'launch', name: 'Samsara Replay', recording: REC, program: DEMO, sourceRoot: ROOT, stopOnEntry: false }],
      });
    }
    writeJson(path.join(tmp, 'user-data/User/settings.json'), SETTINGS);
    writeJson(CONFIG, { recording: REC, program: DEMO, sourceRoot: ROOT, objects: OBJECTS, result: RESULT });
    fs.writeFileSync(path.join(tmp, 'code-server.yaml'), 'auth: none\ncert: false\n');

    const port = await freePort();
    authority = `127.0.0.1:${port}`;
    base = `http://${authority}`;
    // Its own process group (detached), so afterAll ends it with its extension hosts and adapters.
    server = spawn(
      process.execPath,
      [
        CODE_SERVER,
        '--config', path.join(tmp, 'code-server.yaml'),
        '--user-data-dir', path.join(tmp, 'user-data'),
        '--extensions-dir', path.join(tmp, 'extensions'),
        '--bind-addr', authority,
        '--auth', 'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        WS_B,
      ],
      {
        cwd: tmp,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, XDG_DATA_HOME: path.join(tmp, 'xdg-data'), XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), SAMSARA_E2E_CONFIG: CONFIG },
      },
    );
    const keep = (d: Buffer): void => {
      serverLog += d.toString();
      fs.appendFileSync(path.join(tmp, 'code-server.log'), d);
    };
    server.stdout!.on('data', keep);
    server.stderr!.on('data', keep);
    const exited = new Promise<never>((_, reject) => server!.on('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}):\n${serverLog}`))));
    exited.catch(() => {});
    await Promise.race([
      exited,
      until('code-server /healthz', async () => {
        try {
          return (await fetch(`${base}/healthz`)).ok || undefined;
        } catch {
          return undefined;
        }
      }, 60_000),
    ]);

    const { chromium } = createRequire(path.join(E2E, 'package.json'))('playwright-core') as typeof import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 60_000 });

    const r = await recorded;
    expect(r.stdout, r.stderr).toContain('kernel BUG');
    oops = r.stdout;
    console.log(`e2e: recording, code-server on ${base} and Chromium ready in ${Date.now() - t0} ms; files in ${tmp}`);
  }, TEST_TIMEOUT);

  afterAll(async () => {
    await Promise.race([browser?.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    const pid = server?.pid;
    if (pid !== undefined) {
      if (server!.exitCode === null && server!.signalCode === null) {
        const gone = new Promise((r) => server!.once('exit', r));
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
      }
      try {
        process.kill(-pid, 'SIGKILL'); // whatever is left of its group (extension hosts, adapters)
      } catch {
        // all gone
      }
    }
    // Keep the screenshots and logs; drop the rest.
    if (tmp) for (const d of ['user-data', 'extensions', 'xdg-data', 'xdg-config', 'demo.rec']) fs.rmSync(path.join(tmp, d), { recursive: true, force: true });
  }, 30_000);

  it('A: an extension-host test debugs the recording through the vscode API', async () => {
    const { page, log } = await openPage('host');
    const t0 = Date.now();
    await page.goto(workbenchUrl(WS_A, SUITE));
    const result = await until('the extension-host test verdict', () => (fs.existsSync(RESULT) ? JSON.parse(fs.readFileSync(RESULT, 'utf8')) : undefined), TEST_TIMEOUT - 10_000).catch((e) => {
      throw new Error(`${e.message}; browser console: ${log}; code-server log: ${path.join(tmp, 'code-server.log')}`);
    });
    console.log(`e2e A: verdict in ${Date.now() - t0} ms: ${result.pass ? 'pass' : 'FAIL'} (${RESULT})`);
    expect(result.error ?? '', JSON.stringify(result, null, 2)).toBe('');
    expect(result.pass).toBe(true);
    expect(result.top.hit).toMatchObject({ name: 'obj_put', file: 'objects.c', line: 123 });
    expect(result.top.next).toMatchObject({ name: 'obj_put', line: 124 });
    expect(result.top.stepBack).toMatchObject({ name: 'obj_put', line: 123 });
    expect(result.position.position).toBeGreaterThan(0);
    expect(result.seek.position).toBe(result.seek.target);
    await page.context().close();
  }, TEST_TIMEOUT);

  it('B: the workbench shows the paused session; Step Back and Reverse move it', async () => {
    const { page, log } = await openPage('ui');
    const t0 = Date.now();
    const stamp = (what: string): void => console.log(`e2e B: ${what} at ${Date.now() - t0} ms`);
    try {
      await page.goto(workbenchUrl(WS_B));
      await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 90_000 });
      stamp('workbench and explorer rendered');

      const stepBack = page.locator('.debug-toolbar [aria-label="Step Back"]');
      const reverse = page.locator('.debug-toolbar [aria-label="Reverse"]');
      await startDebugging(page, stepBack);
      stamp('debug toolbar shows Step Back');
      await reverse.waitFor({ state: 'visible', timeout: 10_000 });

      // stopOnEntry false and no breakpoints: it runs to the end of the recording, in sbi_shutdown
      // (the guest's oops ends in an SBI shutdown).
      const status = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /\d[\d,]* \/ \d[\d,]*/ });
      const positions = async (): Promise<[number, number] | undefined> => {
        if ((await status.count()) === 0) return undefined;
        const m = /(\d[\d,]*) \/ (\d[\d,]*)/.exec(await status.first().innerText());
        return m ? [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))] : undefined;
      };
      const frame = (name: string): Locator => page.locator('.debug-call-stack .monaco-list-row', { hasText: name });
      await frame('sbi_shutdown').first().waitFor({ state: 'visible', timeout: 90_000 });
      const [atEnd, end] = await until('the status bar position at the end', async () => {
        const p = await positions();
        return p && p[0] === p[1] ? p : undefined;
      }, 30_000);
      expect(atEnd).toBeGreaterThan(1_000_000);
      expect(await status.first().innerText()).toMatch(/\d[\d,]* \/ \d[\d,]*/);
      stamp(`paused at the end: call stack in sbi_shutdown, status bar ${await status.first().innerText()}`);
      const shot = path.join(tmp, 'paused.png');
      await page.screenshot({ path: shot });
      console.log(`e2e B: screenshot of the paused session: ${shot}`);

      // Step Back: one line back (still in sbi_shutdown or an inlined call of it), a few positions
      // earlier: the top frame's line changes.
      const top = page.locator('.debug-call-stack .monaco-list-row:has(.stack-frame)').first();
      const topText = async (): Promise<string> => (await top.innerText()).replace(/\s+/g, ' ').trim();
      const atEndTop = await topText();
      expect(atEndTop).toContain('sbi_shutdown');
      await stepBack.click();
      const [back] = await until('the status bar position after Step Back', async () => {
        const p = await positions();
        return p && p[0] < end ? p : undefined;
      }, 60_000);
      const backTop = await until('the top frame to change after Step Back', async () => {
        const t = await topText();
        return t !== atEndTop && /sbi\.c/.test(t) ? t : undefined;
      }, 30_000);
      expect(end - back).toBeLessThan(1000);
      stamp(`Step Back: top frame "${backTop}" (was "${atEndTop}"), position ${back}`);

      // Reverse (reverse continue) with no breakpoints: back to the start of the recording, before
      // any source line.
      await reverse.click();
      await until('the status bar position 0 after Reverse', async () => {
        const p = await positions();
        return p && p[0] === 0 ? p : undefined;
      }, 90_000);
      const startTop = await until('the top frame to leave sbi.c after Reverse', async () => {
        const t = await topText();
        return /sbi\.c/.test(t) ? undefined : t;
      }, 30_000);
      stamp(`Reverse: back at position 0, top frame "${startTop}"`);
      // The Samsara Timeline view (a webview in Run and Debug): its status line names the position;
      // a click in the middle of its lanes seeks about halfway.
      await runCommand(page, 'Focus on Samsara Timeline View');
      const webview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const timelineStatus = webview.locator('#status');
      await until('the timeline view to show the position', async () => (/^position [\d,]+ of 0\.\.[\d,]+/.test(await timelineStatus.innerText().catch(() => '')) ? true : undefined), 60_000);
      expect(await timelineStatus.innerText()).toContain(`position 0 of 0..${end.toLocaleString('en-US')}`);
      await webview.locator('#timeline').click({ position: { x: (await webview.locator('#timeline').boundingBox())!.width / 2, y: 5 } });
      const [middle] = await until('the status bar position after a click in the timeline', async () => {
        const p = await positions();
        return p && p[0] > 0 ? p : undefined;
      }, 60_000);
      expect(Math.abs(middle - end / 2)).toBeLessThan(end * 0.1);
      stamp(`timeline click: position ${middle} of ${end}`);
      await page.screenshot({ path: path.join(tmp, 'timeline.png') });
    } catch (e) {
      const shot = path.join(tmp, 'failure.png');
      await page.screenshot({ path: shot }).catch(() => {});
      throw new Error(`${(e as Error).message}\nscreenshot: ${shot}; browser console: ${log}; code-server log: ${path.join(tmp, 'code-server.log')}`);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT);

  it('C: the demo README\'s recipe: at the oops, a data breakpoint on the object\'s refcnt, then Reverse stops at the racy store', async () => {
    // The steps of guests/demo/README.md ("How to find it from the oops", VS Code), through the UI.
    const { page, log } = await openPage('watch');
    const t0 = Date.now();
    const stamp = (what: string): void => console.log(`e2e C: ${what} at ${Date.now() - t0} ms`);
    try {
      await page.goto(workbenchUrl(WS_C));
      await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 90_000 });
      const reverse = page.locator('.debug-toolbar [aria-label="Reverse"]');
      await startDebugging(page, reverse);
      stamp('debug toolbar shows Reverse');

      // The launch runs to the end: the oops, with the call stack sbi_shutdown ... trap_entry,
      // obj_put [breakpoint] (the BUG_ON's ebreak).
      const status = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /\d[\d,]* \/ \d[\d,]*/ });
      const positions = async (): Promise<[number, number] | undefined> => {
        if ((await status.count()) === 0) return undefined;
        const m = /(\d[\d,]*) \/ (\d[\d,]*)/.exec(await status.first().innerText());
        return m ? [Number(m[1].replace(/,/g, '')), Number(m[2].replace(/,/g, ''))] : undefined;
      };
      const objPut = page.locator('.debug-call-stack .monaco-list-row', { hasText: 'obj_put [breakpoint]' }).first();
      await objPut.waitFor({ state: 'visible', timeout: 90_000 });
      const [, end] = await until('the status bar position at the end', async () => {
        const p = await positions();
        return p && p[0] === p[1] ? p : undefined;
      }, 30_000);
      stamp(`paused at the end (${end}), obj_put [breakpoint] in the call stack`);

      // 1. Select the obj_put frame.
      await objPut.click();
      await until('the obj_put frame to be selected', async () => ((await objPut.getAttribute('aria-selected')) === 'true' ? true : undefined), 10_000);

      // 2. In the Debug Console, `a0 + 24`: the address of the object's refcnt (struct object in
      // objects.c: u64 magic, struct list_head node, int refcnt). a0 in that frame is the object
      // the oops printed.
      await runCommand(page, 'Focus on Debug Console View');
      await page.locator('.repl-input-wrapper .monaco-editor').click();
      await page.keyboard.type('a0 + 24');
      await page.keyboard.press('Enter');
      const address = await until('the Debug Console to print the value of a0 + 24', async () => /^a0 \+ 24\n(0x[0-9a-f]+)\b/m.exec(await page.locator('.repl').innerText())?.[1], 30_000);
      const a0 = / a0 : ([0-9a-f]{16})/.exec(oops)?.[1];
      expect(a0, 'a0 in the recorded oops').toBeDefined();
      expect(BigInt(address)).toBe(BigInt(`0x${a0}`) + 24n);
      stamp(`Debug Console: a0 + 24 = ${address}`);

      // 3. "Add Data Breakpoint at Address" with `ADDRESS + 4` (4 bytes at ADDRESS), then the
      // access type: write.
      await runCommand(page, 'Add Data Breakpoint at Address', `${address} + 4`);
      const widget = page.locator('.quick-input-widget');
      const write = widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: /^write$/ }) });
      await write.waitFor({ state: 'visible', timeout: 10_000 }).catch(() => {
        throw new Error('no access type pick ("write") after the address');
      });
      await write.click();
      await runCommand(page, 'Focus on Breakpoints View');
      const listed = `4 bytes at ${address}`;
      await until(`the Breakpoints view to list "${listed}"`, async () => ((await page.locator('.debug-breakpoints').innerText().catch(() => '')).includes(listed) ? true : undefined), 10_000);
      stamp(`data breakpoint: ${listed}, write`);

      // 4. Reverse: back to the last write of the refcnt, the other hart's racy store in obj_put.
      await reverse.click();
      const [at] = await until('the status bar position after Reverse', async () => {
        const p = await positions();
        return p && p[0] < end ? p : undefined;
      }, 90_000);
      const stopped = page.locator('.debug-call-stack .monaco-list-row[aria-label*="Paused on data breakpoint"]');
      await stopped.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
        throw new Error('no thread "Paused on data breakpoint" in the call stack after Reverse');
      });
      // The stopped thread's top frame is selected.
      const top = page.locator('.debug-call-stack .monaco-list-row.selected');
      const topLabel = await until('the top frame at objects.c:126', async () => {
        const label = (await top.count()) === 1 ? await top.getAttribute('aria-label') : undefined;
        return label && /obj_put, line 126, objects\.c/.test(label) ? label : undefined;
      }, 30_000).catch(async (e) => {
        throw new Error(`${e.message}; selected frame: ${(await top.count()) ? await top.first().getAttribute('aria-label') : 'none'}`);
      });
      expect(topLabel).toBe('Stack Frame obj_put, line 126, objects.c');
      expect(at).toBeGreaterThan(0);
      stamp(`Reverse: ${await stopped.getAttribute('aria-label')}, top frame obj_put at objects.c:126, position ${at} of ${end}`);
      await page.screenshot({ path: path.join(tmp, 'watch.png') });
    } catch (e) {
      const shot = path.join(tmp, 'failure-watch.png');
      await page.screenshot({ path: shot }).catch(() => {});
      throw new Error(`${(e as Error).message}\nscreenshot: ${shot}; browser console: ${log}; code-server log: ${path.join(tmp, 'code-server.log')}`);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT);

  it.skipIf(!LINUX)('D: the program\'s data on the Linux recording: do_sys_openat2\'s arguments, how expanded, a watch, a hover, and Break on Value Change then Reverse', async () => {
    const guest = LINUX!;
    const t0 = Date.now();
    const stamp = (what: string): void => console.log(`e2e D: ${what} at ${Date.now() - t0} ms`);
    const rec = sharedRecording(['--harts', '2', '--append', 'console=ttyS0', '--drive', guest.disk], guest.image).file;
    stamp(`Linux recording ${rec}`);
    // The kernel was built out of tree (O=): its DWARF names the sources by the absolute path of the
    // tree that the build folder's `source` link points to. The workspace holds them as linux/ (a
    // link), and the launch maps the build's path there, as a developer whose tree moved does.
    const kernelTree = fs.realpathSync(path.join(path.dirname(guest.vmlinux), 'source'));
    const openC = path.join(WS_D, 'linux/fs/open.c');
    fs.mkdirSync(WS_D, { recursive: true });
    fs.symlinkSync(kernelTree, path.join(WS_D, 'linux'));
    // The linux/ tree is 70,000 files: keep the file watcher and search out of it.
    writeJson(path.join(WS_D, '.vscode/settings.json'), { ...SETTINGS, 'files.watcherExclude': { '**/linux/**': true }, 'search.exclude': { '**/linux/**': true }, 'search.followSymlinks': false });
    writeJson(path.join(WS_D, '.vscode/launch.json'), {
      version: '0.2.0',
      configurations: [{ type: 'samsara', request: 'launch', name: 'Samsara Replay', recording: rec, program: guest.vmlinux, sourceMap: { [kernelTree]: '${workspaceFolder}/linux' }, stopOnEntry: false }],
    });
    // Lines of fs/open.c (6.1): the signature of do_sys_openat2, its call of get_unused_fd_flags
    // (after getname: `tmp` is the kernel's copy of the file name), and the store of the open flags
    // in build_open_flags.
    const lines = fs.readFileSync(openC, 'utf8').split('\n');
    const lineOf = (re: RegExp, from = 0): number => {
      const i = lines.findIndex((l, n) => n >= from && re.test(l));
      expect(i, `${re} in ${openC}`).toBeGreaterThanOrEqual(0);
      return i + 1;
    };
    const signature = lineOf(/^static long do_sys_openat2\(int dfd,/);
    const afterGetname = lineOf(/^\tfd = get_unused_fd_flags\(how->flags\);/, signature);
    const openFlagStore = lineOf(/^\top->open_flag = flags;/);

    const { page, log } = await openPage('linux');
    const shots: string[] = [];
    const shot = async (name: string): Promise<void> => {
      const file = path.join(tmp, `linux-${shots.length + 1}-${name}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
    };
    const labels = (list: Locator): Promise<string[]> => list.locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    const variables = page.locator('.debug-variables');
    const variable = (name: string): Locator => variables.locator(`.monaco-list-row[aria-label^="${name}, value "]`);
    const valueOf = async (name: string): Promise<string> => (await variable(name).getAttribute('aria-label'))!.slice(`${name}, value `.length);
    const callStack = page.locator('.debug-call-stack');
    /** The top frame of the hart whose row says `paused` ("Paused on breakpoint"): the row after it. */
    const topFrame = (paused: string, frame: RegExp, timeout: number): Promise<string> =>
      until(`the call stack to show a hart "${paused}" in ${frame}`, async () => {
        const rows = await labels(callStack);
        const i = rows.findIndex((r) => r.startsWith('Thread ') && r.endsWith(paused));
        return i >= 0 && frame.test(rows[i + 1] ?? '') ? rows[i + 1] : undefined;
      }, timeout).catch(async (e) => {
        throw new Error(`${e.message}; call stack: ${JSON.stringify(await labels(callStack))}`);
      });
    const status = page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /\d[\d,]* \/ \d[\d,]*/ });
    const position = async (): Promise<number> => Number(/(\d[\d,]*) \//.exec(await status.first().innerText())![1].replace(/,/g, ''));
    try {
      await page.goto(workbenchUrl(WS_D));
      await page.locator('.explorer-folders-view').waitFor({ state: 'visible', timeout: 90_000 });
      stamp('workbench rendered');

      // A function breakpoint, typed into the Breakpoints view: its title's "Add Function Breakpoint".
      // Right after the workbench renders, the palette may run the command before the debug views
      // are registered (a fresh profile showed the Explorer still): try until the view is there.
      const breakpointsHeader = page.locator('.pane-header', { hasText: /^Breakpoints$/i });
      for (let attempt = 1; ; attempt++) {
        await runCommand(page, 'View: Show Run and Debug');
        await runCommand(page, 'Focus on Breakpoints View');
        if (await breakpointsHeader.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) break;
        if (attempt === 6) throw new Error('the Breakpoints view did not open');
      }
      await breakpointsHeader.hover();
      await breakpointsHeader.locator('[aria-label="Add Function Breakpoint"]').click();
      const functionInput = page.locator('.debug-breakpoints .monaco-inputbox input');
      await functionInput.waitFor({ state: 'visible', timeout: 10_000 });
      await functionInput.fill('do_sys_openat2');
      await page.keyboard.press('Enter');
      const breakpoints = page.locator('.debug-breakpoints');
      await until('the Breakpoints view to list do_sys_openat2', async () => ((await labels(breakpoints)).includes('do_sys_openat2, Function Breakpoint') ? true : undefined), 10_000);

      // The launch runs to the first call, init's open of /etc/motd (guests/linux/init.c), on hart 1.
      const reverse = page.locator('.debug-toolbar [aria-label="Reverse"]');
      await startDebugging(page, reverse);
      const entry = await topFrame('Paused on breakpoint', /^Stack Frame do_sys_openat2, line \d+, open\.c$/, 120_000);
      const atEntry = await position();
      stamp(`stopped: ${entry}, position ${atEntry}`);
      // fs/open.c is open in the editor, from the workspace's linux/ (the sourceMap): the
      // breadcrumbs show the folders under the workspace.
      await until('the editor on linux/fs/open.c', async () => ((await page.locator('.tabs-container .tab.active').innerText().catch(() => '')).includes('open.c') && (await page.locator('.breadcrumbs-control').first().innerText().catch(() => '')).replace(/\s+/g, ' ').includes('linux fs open.c') ? true : undefined), 30_000);

      // 1. Variables: Arguments (the first scope, expanded) shows dfd, filename and how.
      for (const name of ['dfd', 'filename', 'how']) await variable(name).waitFor({ state: 'visible', timeout: 30_000 });
      expect(await valueOf('dfd')).toBe('-100'); // AT_FDCWD: open() is openat(AT_FDCWD, ...)
      expect(await valueOf('filename')).toMatch(/^0x[0-9a-f]+ "\/etc\/motd"$/);
      expect(await valueOf('how')).toMatch(/^0x[0-9a-f]{16}$/);
      await shot('arguments');
      // 2. Expanding how shows struct open_how's fields.
      await variable('how').click();
      for (const name of ['flags', 'mode', 'resolve']) await variable(name).waitFor({ state: 'visible', timeout: 30_000 });
      const scope = await labels(variables);
      expect(scope.slice(scope.indexOf('Scope Arguments'), scope.indexOf('Scope Arguments') + 7).map((l) => l.split(',')[0])).toEqual(['Scope Arguments', 'dfd', 'filename', 'how', 'flags', 'mode', 'resolve']);
      for (const name of ['flags', 'mode', 'resolve']) expect(await valueOf(name), name).toMatch(/^\d+$/);
      stamp(`Variables: ${scope.filter((l) => l.includes(', value ')).join('; ')}`);
      await shot('how-expanded');

      // 3. Hovering dfd in the editor (in the signature, a few lines above the stop): the token's box
      // from the editor's rendered line, then the debug hover's text.
      // (Browser code, as a string: the test is compiled without the DOM's types.)
      const box = await page.evaluate<{ x: number; y: number; width: number; height: number; text: string } | null>(`(() => {
        for (const line of document.querySelectorAll('.part.editor .monaco-editor .view-line')) {
          const m = /static\\s+long\\s+do_sys_openat2\\(int\\s+dfd\\b/.exec(line.textContent);
          if (!m) continue;
          const at = m.index + m[0].length - 3;
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          let offset = 0;
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const length = n.textContent.length;
            if (at >= offset && at + 3 <= offset + length) {
              const range = document.createRange();
              range.setStart(n, at - offset);
              range.setEnd(n, at - offset + 3);
              const r = range.getBoundingClientRect();
              return { x: r.x, y: r.y, width: r.width, height: r.height, text: range.toString() };
            }
            offset += length;
          }
        }
        return null;
      })()`);
      expect(box, 'the line "static long do_sys_openat2(int dfd," rendered in the editor').not.toBeNull();
      expect(box!.text).toBe('dfd');
      await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
      const hover = page.locator('.debug-hover-widget');
      await hover.waitFor({ state: 'visible', timeout: 15_000 });
      const hovered = await until('the hover to show a value', async () => (await hover.innerText()).trim() || undefined, 10_000);
      expect(hovered).toBe('-100');
      stamp(`hover over dfd: ${hovered}`);
      await shot('hover-dfd');
      await page.mouse.move(5, 500);
      await page.keyboard.press('Escape');
      await hover.waitFor({ state: 'hidden', timeout: 10_000 });

      // On, after getname: a line breakpoint (Go to Line, F9) and Continue.
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill(`:${afterGetname}`);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
      await page.keyboard.press('F9');
      await until(`the Breakpoints view to list open.c ${afterGetname}`, async () => ((await labels(breakpoints)).includes(`open.c ${afterGetname}, ${openC}`) ? true : undefined), 10_000);
      await page.locator('.debug-toolbar [aria-label^="Continue"]').click();
      const after = await topFrame('Paused on breakpoint', new RegExp(`^Stack Frame do_sys_openat2, line ${afterGetname}, open\\.c$`), 60_000);
      const atGetname = await until('the position to move on', async () => ((await position()) > atEntry ? position() : undefined), 30_000);
      stamp(`continued: ${after}, position ${atGetname}`);

      // 4. A Watch of the file name: the view's "Add Expression". In do_sys_openat2 `filename` is the
      // user's `const char *`; its `struct filename` (with the member `name`) is `tmp`, getname's copy.
      const watchHeader = page.locator('.pane-header', { hasText: /^Watch$/i });
      await watchHeader.hover();
      await watchHeader.locator('[aria-label="Add Expression"]').click();
      const watchInput = page.locator('.debug-watch .monaco-inputbox input');
      await watchInput.waitFor({ state: 'visible', timeout: 10_000 });
      await watchInput.fill('tmp->name');
      await page.keyboard.press('Enter');
      const watch = page.locator('.debug-watch');
      const watched = await until('the watch of tmp->name to show a value', async () => (await labels(watch)).find((l) => /^tmp->name, value 0x/.test(l)), 30_000);
      expect(watched).toMatch(/^tmp->name, value 0x[0-9a-f]{16} "\/etc\/motd"$/);
      stamp(`Watch: ${watched}`);
      await shot('watch');

      // 5. Break on Value Change on a local in memory: op.open_flag (struct open_flags op, on the
      // stack), from the Variables view's context menu.
      const argumentsScope = variables.locator('.monaco-list-row[aria-label="Scope Arguments"]');
      if ((await argumentsScope.getAttribute('aria-expanded')) === 'true') await argumentsScope.click(); // room for Locals
      const locals = variables.locator('.monaco-list-row[aria-label="Scope Locals"]');
      if ((await locals.getAttribute('aria-expanded')) !== 'true') await locals.click();
      await variable('op').click();
      await variable('open_flag').waitFor({ state: 'visible', timeout: 30_000 });
      const openFlag = await valueOf('open_flag');
      expect(openFlag).toMatch(/^\d+$/);
      await variable('open_flag').click({ button: 'right' });
      const menuItem = page.locator('.context-view .monaco-menu .action-item', { hasText: /^Break on Value Change$/ });
      await menuItem.waitFor({ state: 'visible', timeout: 10_000 });
      await shot('break-on-value-change');
      await menuItem.click();
      const dataBreakpoint = await until('the Breakpoints view to list the data breakpoint', async () => (await labels(breakpoints)).find((l) => l.endsWith('Data Breakpoint')), 10_000);
      expect(dataBreakpoint).toMatch(/^op\.open_flag \(4 bytes at 0x[0-9a-f]+\), Data Breakpoint$/);
      stamp(`data breakpoint: ${dataBreakpoint} (open_flag = ${openFlag})`);

      // 6. Reverse: back to the last write of op.open_flag, build_open_flags' `op->open_flag = flags;`
      // on the same hart, earlier than the stop and later than the entry.
      await reverse.click();
      const writer = await topFrame('Paused on data breakpoint', /^Stack Frame build_open_flags, line \d+, open\.c$/, 90_000);
      expect(writer).toBe(`Stack Frame build_open_flags, line ${openFlagStore}, open.c`);
      const atWrite = await until('the position to move back', async () => ((await position()) < atGetname ? position() : undefined), 30_000);
      expect(atWrite).toBeGreaterThan(atEntry);
      // The Debug Console says which write, where; the Variables view shows the writer's `flags`, the
      // value it stored.
      const address = /at (0x[0-9a-f]+)\)/.exec(dataBreakpoint)![1];
      const said = await until('the Debug Console to name the write', async () => new RegExp(`write of ${address} by hart \\d+ \\(position ${atWrite}\\)`).exec(await page.locator('.repl').innerText())?.[0], 30_000);
      const stored = await until('the Locals of build_open_flags to show flags', async () => {
        const rows = await labels(variables);
        const at = rows.indexOf('Scope Locals');
        return at < 0 ? undefined : rows.slice(at).find((l) => l.startsWith('flags, value '));
      }, 30_000);
      expect(stored).toBe(`flags, value ${openFlag}`);
      stamp(`Debug Console: ${said}; Locals: ${stored}`);
      stamp(`Reverse: ${writer}, position ${atWrite} (entry ${atEntry}, stop ${atGetname})`);
      await shot('reverse-to-write');
    } catch (e) {
      await shot('failure').catch(() => {});
      throw new Error(`${(e as Error).message}\nscreenshots: ${shots.join(', ')}; browser console: ${log}; code-server log: ${path.join(tmp, 'code-server.log')}`);
    } finally {
      console.log(`e2e D: screenshots ${shots.join(' ')}`);
      await page.context().close();
    }
  }, TEST_TIMEOUT);
});
