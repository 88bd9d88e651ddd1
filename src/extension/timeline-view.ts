// The Samsara Timeline view (in Run and Debug): the recording as lanes, one per hart, shaded by the
// steps it took, with its interrupts, system calls, exceptions and inputs, the checkpoints, and
// where the debugger is. A click seeks there. The drawing is media/timeline.js, in a webview.

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export const TIMELINE_VIEW = 'samsara.timeline';

export class TimelineView implements vscode.WebviewViewProvider {
  private view?: vscode.WebviewView;
  private session?: vscode.DebugSession;

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    const script = view.webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.js'));
    const nonce = crypto.randomBytes(16).toString('hex');
    view.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${view.webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>body { padding: 4px 8px; font: var(--vscode-font-size) var(--vscode-font-family); color: var(--vscode-foreground); }
canvas { width: 100%; cursor: crosshair; display: block; } #status { margin-top: 4px; opacity: 0.8; font-variant-numeric: tabular-nums; }</style>
</head><body><div id="empty">No Samsara Replay session.</div><canvas id="timeline" height="0" aria-label="Samsara Timeline"></canvas><div id="status"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
    view.webview.onDidReceiveMessage((m: { type: string; position?: number }) => {
      // Refused while a motion runs (the adapter says so): the click is then dropped.
      if (m.type === 'seek' && Number.isFinite(m.position) && this.session) this.session.customRequest('samsara/seek', { position: Math.round(m.position!) }).then(undefined, () => {});
    });
    view.onDidChangeVisibility(() => this.session && void this.refresh(this.session));
    if (this.session) void this.refresh(this.session);
  }

  /** After a stop: fetch the overview (the adapter computes it once) and the position, and draw. */
  async refresh(session: vscode.DebugSession): Promise<void> {
    this.session = session;
    if (!this.view?.visible) return;
    try {
      const data = await session.customRequest('samsara/timeline', { buckets: 400 });
      await this.view.webview.postMessage({ type: 'overview', data });
    } catch {
      // The session ended meanwhile.
    }
  }

  clear(): void {
    this.session = undefined;
    void this.view?.webview.postMessage({ type: 'clear' });
  }
}
