// The VS Code extension: the `samsara` debug type ("Samsara Replay" configurations), whose adapter
// is `samsara dap` in a process of its own (replay is CPU-bound; the extension host stays free);
// commands that VS Code's debug toolbar has no button for (reverse step out, seek to a position);
// the recording's position in the status bar after every stop; and the timeline view.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { TIMELINE_VIEW, TimelineView } from './timeline-view';

export const DEBUG_TYPE = 'samsara';

export function activate(context: vscode.ExtensionContext): void {
  const samsara = path.join(context.extensionPath, 'bin', 'samsara.js');
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      // process.execPath is Node in code-server and Electron in desktop VS Code, which runs as Node
      // with ELECTRON_RUN_AS_NODE.
      // In the workspace folder, so that relative paths in a configuration mean what they say.
      createDebugAdapterDescriptor: (session) => new vscode.DebugAdapterExecutable(process.execPath, [samsara, 'dap'], { env: { ELECTRON_RUN_AS_NODE: '1' }, cwd: session.workspaceFolder?.uri.fsPath }),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
  );

  const timeline = new TimelineView(context.extensionUri);
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(TIMELINE_VIEW, timeline));

  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  status.command = 'samsara.seek';
  status.tooltip = 'Samsara Replay: position in the recording (click to seek)';
  context.subscriptions.push(status);
  const showPosition = async (session: vscode.DebugSession): Promise<void> => {
    try {
      const p = (await session.customRequest('samsara/position')) as { position: number; start: number; end: number };
      status.text = `$(history) ${p.position.toLocaleString('en-US')} / ${p.end.toLocaleString('en-US')}`;
      status.show();
    } catch {
      status.hide();
    }
  };
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string }) => {
          if (m.type === 'event' && m.event === 'stopped') {
            void showPosition(session);
            void timeline.refresh(session);
          }
        },
      }),
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.type !== DEBUG_TYPE) return;
      status.hide();
      timeline.clear();
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('samsara.reverseStepOut', async () => {
      const session = activeSession();
      const thread = vscode.debug.activeStackItem;
      if (!session) return;
      await session.customRequest('samsara/reverseStepOut', { threadId: thread && 'threadId' in thread ? thread.threadId : 1 });
    }),
    vscode.commands.registerCommand('samsara.seek', async (position?: number) => {
      const session = activeSession();
      if (!session) return;
      if (position === undefined) {
        const p = (await session.customRequest('samsara/position')) as { position: number; start: number; end: number };
        const text = await vscode.window.showInputBox({
          title: 'Seek to a position in the recording',
          prompt: `A position from ${p.start} to ${p.end} (instructions retired plus exceptions, all harts)`,
          value: String(p.position),
          validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a whole number'),
        });
        if (text === undefined) return;
        position = Number(text.trim());
      }
      await session.customRequest('samsara/seek', { position });
    }),
  );
}

export function deactivate(): void {}

function activeSession(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  if (s?.type === DEBUG_TYPE) return s;
  void vscode.window.showInformationMessage('No Samsara Replay session is active.');
  return undefined;
}

/** Fills in a configuration started without launch.json (F5 on a recording or with none). */
class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      const picked = await vscode.window.showOpenDialog({ title: 'Open a recording', filters: { 'Samsara recordings': ['rec'] }, canSelectMany: false });
      if (!picked?.length) return undefined;
      Object.assign(config, { type: DEBUG_TYPE, request: 'launch', name: 'Samsara Replay', recording: picked[0].fsPath });
    }
    if (!config.recording) {
      void vscode.window.showErrorMessage('Samsara Replay: the configuration needs "recording", a file made by `samsara record`.');
      return undefined;
    }
    if (folder && config.sourceRoot === undefined) config.sourceRoot = folder.uri.fsPath;
    return config;
  }
}
