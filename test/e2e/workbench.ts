// The workbench helpers of test/e2e/vscode.test.ts: settings for a quiet workbench, polling for a
// condition, and the palette and debug-start steps that every UI test takes.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

// playwright-core from the e2e cache, not from the project's dependencies (types: playwright-core.d.ts).
type Page = import('playwright-core').Page;
type Locator = import('playwright-core').Locator;

/** Settings that keep the workbench quiet and predictable (research/vscode-e2e.md, pitfalls). */
export const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'remote.autoForwardPorts': false,
  'debug.openDebug': 'openOnSessionStart',
  'debug.toolBarLocation': 'floating',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'files.autoSave': 'off',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Poll a condition (DOM state, a file) every 100 ms until it holds; never a fixed sleep. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Run a command from the palette by its title; `input` answers the input box it opens. */
export async function runCommand(page: Page, title: string, input?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const row = widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: title }) }).first();
  const palette = widget.locator('input');
  for (let attempt = 1; ; attempt++) {
    if (await widget.isVisible()) await page.keyboard.press('Escape');
    // F1 can go nowhere when a keypress comes as the workbench moves its focus (a CI run saw the
    // palette never open): then Escape, and the other key that opens it, on the next try.
    await page.keyboard.press(attempt % 2 === 1 ? 'F1' : 'Control+Shift+P');
    if (await palette.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) {
      await palette.fill(`>${title}`);
      if (await row.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) break;
    } else await page.keyboard.press('Escape');
    if (attempt === 5) throw new Error(`no command "${title}" in the palette (or the palette did not open)`);
  }
  await row.click();
  if (input === undefined) return;
  // The command's own input box replaces the palette's in the same widget: wait for the palette's
  // `>title` to go.
  const box = widget.locator('input');
  await until(`the input box of "${title}"`, async () => ((await box.isVisible()) && !(await box.inputValue()).startsWith('>') ? true : undefined), 10_000);
  await box.fill(input);
  await page.keyboard.press('Enter');
}

/**
 * F1 → "Debug: Start Debugging" (clicked by its exact label: Enter could run the highlighted
 * "Debug: Select and Start Debugging", which asks for a configuration) until the debug toolbar is
 * there. Right after the explorer renders, the palette may not have the debug commands yet
 * (research: the palette race), so a try that does not bring up the toolbar is retried. If a
 * configuration picker comes up anyway, "Samsara Replay" (launch.json's) is picked.
 */
export async function startDebugging(page: Page, toolbarButton: Locator): Promise<void> {
  const deadline = Date.now() + 120_000;
  const widget = page.locator('.quick-input-widget');
  const row = (label: RegExp): Locator => widget.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: label }) }).first();
  const shown = (l: Locator, timeout: number): Promise<boolean> => l.waitFor({ state: 'visible', timeout }).then(() => true, () => false);
  for (let attempt = 1; ; attempt++) {
    if (await widget.isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = widget.locator('input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Debug: Start Debugging');
    const command = row(/^Debug: Start Debugging$/);
    if (await shown(command, 5_000)) {
      await command.click();
      const picker = row(/^Samsara Replay$/);
      const started = await Promise.race([
        toolbarButton.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false),
        picker.waitFor({ state: 'visible', timeout: 15_000 }).then(() => 'picker' as const, () => false),
      ]);
      if (started === 'picker') {
        await picker.click();
        if (await shown(toolbarButton, 15_000)) return;
      } else if (started) return;
    }
    if (Date.now() > deadline) throw new Error(`the debug toolbar did not appear after ${attempt} tries of "Debug: Start Debugging"`);
  }
}
