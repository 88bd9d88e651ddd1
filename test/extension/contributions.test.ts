// package.json's contributions against the sources they describe: the launch attributes VS Code
// offers in launch.json are LAUNCH_ATTRIBUTES, and every contributed command is registered.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAUNCH_ATTRIBUTES } from '../../src/debug-adapter/launch';
import { ROOT } from '../cli/helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const debuggerContribution = pkg.contributes.debuggers.find((d: { type: string }) => d.type === 'samsara');

describe('package.json contributions', () => {
  it('the samsara debug type is "Samsara Replay" and its launch attributes are LAUNCH_ATTRIBUTES', () => {
    expect(debuggerContribution.label).toBe('Samsara Replay');
    const launch = debuggerContribution.configurationAttributes.launch;
    const expected = Object.fromEntries(Object.entries(LAUNCH_ATTRIBUTES).map(([k, a]) => [k, { type: a.type, description: a.description, ...(a.default !== undefined && { default: a.default }) }]));
    expect(launch.properties).toEqual(expected);
    expect(launch.required).toEqual(Object.entries(LAUNCH_ATTRIBUTES).filter(([, a]) => a.required).map(([k]) => k));
    for (const c of debuggerContribution.initialConfigurations) {
      expect(c).toMatchObject({ type: 'samsara', request: 'launch', name: 'Samsara Replay' });
      for (const k of Object.keys(c)) if (!['type', 'request', 'name'].includes(k)) expect(Object.keys(LAUNCH_ATTRIBUTES)).toContain(k);
    }
  });

  it('every contributed command is registered by the extension, and main is the compiled extension', () => {
    const source = fs.readFileSync(path.join(ROOT, 'src/extension/extension.ts'), 'utf8');
    for (const { command } of pkg.contributes.commands) expect(source).toContain(`registerCommand('${command}'`);
    expect(pkg.main).toBe('./out/extension/extension.js');
    expect(fs.existsSync(path.join(ROOT, pkg.main))).toBe(true);
  });

  it("Reverse Step Out has a toolbar icon of its own: not Step Back's, Reverse Continue's or Step Out's", () => {
    const command = pkg.contributes.commands.find((c: { command: string }) => c.command === 'samsara.reverseStepOut');
    expect(command.title).toBe('Reverse Step Out');
    expect(command.icon).toMatch(/^\$\([a-z-]+\)$/); // a codicon
    // VS Code's own toolbar buttons: Step Back, Reverse (continue), and the forward Step Out beside them.
    for (const theirs of ['debug-step-back', 'debug-reverse-continue', 'debug-step-out']) expect(command.icon).not.toBe(`$(${theirs})`);
    expect(pkg.contributes.menus['debug/toolBar']).toContainEqual(expect.objectContaining({ command: 'samsara.reverseStepOut' }));
  });
});
