// Draws the Samsara Timeline (see src/extension/timeline-view.ts): one lane per hart, shaded by
// the steps it took in each slice of the recording; a lane of events (interrupts, system calls,
// exceptions, inputs); checkpoints as ticks; the current position as a line. Click to seek.
(function () {
  const vscode = acquireVsCodeApi();
  const canvas = document.getElementById('timeline');
  const status = document.getElementById('status');
  const empty = document.getElementById('empty');
  const LANE = 14;
  const GAP = 3;
  const EVENTS = 22;
  let data;

  const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  const fmt = (n) => Math.round(n).toLocaleString('en-US');

  function draw() {
    if (!data) return;
    empty.style.display = 'none';
    const harts = data.steps.length;
    const height = harts * (LANE + GAP) + EVENTS + 16;
    const width = canvas.clientWidth || 300;
    const dpr = window.devicePixelRatio || 1;
    canvas.style.height = `${height}px`;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, width, height);
    const n = data.interrupts.length;
    const x = (bucket) => (bucket / n) * width;
    const at = (position) => ((position - data.start) / (data.end - data.start)) * width;
    const accent = css('--vscode-charts-blue', '#3794ff');
    g.font = `10px ${css('--vscode-font-family', 'sans-serif')}`;
    for (let h = 0; h < harts; h++) {
      const y = h * (LANE + GAP);
      g.fillStyle = css('--vscode-editorWidget-background', '#2224');
      g.fillRect(0, y, width, LANE);
      g.fillStyle = accent;
      for (let b = 0; b < n; b++) {
        const share = data.steps[h][b] / data.bucketSize;
        if (share <= 0) continue;
        g.globalAlpha = 0.15 + 0.85 * Math.min(1, share * harts);
        g.fillRect(x(b), y, Math.max(1, x(b + 1) - x(b)), LANE);
      }
      g.globalAlpha = 1;
      g.fillStyle = css('--vscode-foreground', '#ccc');
      g.fillText(`hart ${h}`, 3, y + LANE - 3);
    }
    const ey = harts * (LANE + GAP);
    const kinds = [
      ['interrupts', css('--vscode-charts-green', '#89d185')],
      ['syscalls', css('--vscode-charts-yellow', '#cca700')],
      ['exceptions', css('--vscode-charts-red', '#f14c4c')],
      ['inputs', css('--vscode-charts-purple', '#b180d7')],
    ];
    kinds.forEach(([kind, color], k) => {
      g.fillStyle = color;
      for (let b = 0; b < n; b++) if (data[kind][b]) g.fillRect(x(b), ey + k * 5, Math.max(1, x(b + 1) - x(b)), 4);
    });
    g.fillStyle = css('--vscode-descriptionForeground', '#999');
    for (const c of data.checkpoints) g.fillRect(at(c), ey + EVENTS - 2, 1, 4);
    const px = at(data.position);
    g.fillStyle = css('--vscode-debugIcon-breakpointCurrentStackframeForeground', '#ffcc00');
    g.fillRect(Math.min(width - 2, Math.max(0, px - 1)), 0, 2, height - 12);
    status.textContent = `position ${fmt(data.position)} of ${fmt(data.start)}..${fmt(data.end)}; ${data.checkpoints.length} checkpoints`;
  }

  function positionAt(event) {
    const r = canvas.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (event.clientX - r.left) / r.width));
    return data.start + f * (data.end - data.start);
  }

  canvas.addEventListener('click', (e) => data && vscode.postMessage({ type: 'seek', position: positionAt(e) }));
  canvas.addEventListener('mousemove', (e) => {
    if (data) canvas.title = `seek to position ${fmt(positionAt(e))}`;
  });
  window.addEventListener('resize', draw);
  window.addEventListener('message', (e) => {
    if (e.data.type === 'overview') {
      data = e.data.data;
      draw();
    } else if (e.data.type === 'clear') {
      data = undefined;
      canvas.style.height = '0px';
      status.textContent = '';
      empty.style.display = '';
    }
  });
})();
