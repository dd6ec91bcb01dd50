// Token Lens report pages: buttons, reveal-on-click, tool ticks, tooltips, and content updates
// from the extension. Loaded with a nonce under a strict Content-Security-Policy; no remote code,
// no inline handlers, and text from the report is only ever set with textContent here.
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('report');
  const tooltip = document.getElementById('tooltip');

  // What brings this report back after a window reload (its file, a thinking budget): VS Code
  // keeps it as the webview's state and hands it to the extension's serializer.
  try {
    vscode.setState(JSON.parse(document.body.getAttribute('data-restore') || 'null'));
  } catch (_) {
    // no state: the panel is not restored
  }

  function post(message) {
    vscode.postMessage(message);
  }

  function reveal(el) {
    try {
      post({ type: 'reveal', data: JSON.parse(el.getAttribute('data-reveal')) });
    } catch (_) {
      // a malformed attribute: nothing to reveal
    }
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const action = target.closest('[data-action]');
    if (action) {
      event.preventDefault();
      const id = action.getAttribute('data-action');
      post(id === 'copy' ? { type: 'copy' } : { type: 'action', id });
      return;
    }
    const part = target.closest('[data-reveal]');
    if (part) {
      event.preventDefault();
      reveal(part);
    }
  });

  // A click on a part moves the focus to the editor: don't let the page take it on the way.
  document.addEventListener('mousedown', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest('[data-reveal]')) event.preventDefault();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.hasAttribute('data-reveal')) {
      event.preventDefault();
      reveal(target);
    }
  });

  // Tool audit: unticked tools are left out of the request.
  document.addEventListener('change', (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute('data-tool')) return;
    const row = input.closest('tr');
    if (row) {
      row.classList.toggle('excluded', !input.checked);
      const why = document.getElementById(`${row.id}-why`);
      if (why) why.classList.toggle('excluded', !input.checked);
    }
    const indexes = Array.from(document.querySelectorAll('input[data-tool]'))
      .filter((i) => !i.checked)
      .map((i) => Number(i.getAttribute('data-tool')));
    post({ type: 'exclude', indexes });
  });

  // Tooltips (values on hover), and the same part highlighted in every chart and the table.
  function place(x, y) {
    const pad = 14;
    const box = tooltip.getBoundingClientRect();
    let left = x + pad;
    let top = y + pad;
    if (left + box.width > window.innerWidth - 4) left = x - box.width - pad;
    if (top + box.height > window.innerHeight - 4) top = y - box.height - pad;
    tooltip.style.left = `${Math.max(4, left)}px`;
    tooltip.style.top = `${Math.max(4, top)}px`;
  }

  function highlight(seg, on) {
    if (seg === null) return;
    for (const el of document.querySelectorAll(`[data-seg="${CSS.escape(seg)}"]`)) el.classList.toggle('hover', on);
  }

  let current = null;
  function show(el, x, y) {
    if (current !== el) {
      hide();
      current = el;
      tooltip.textContent = el.getAttribute('data-tip');
      tooltip.hidden = false;
      highlight(el.getAttribute('data-seg'), true);
    }
    place(x, y);
  }

  function hide() {
    if (current) highlight(current.getAttribute('data-seg'), false);
    current = null;
    tooltip.hidden = true;
  }

  document.addEventListener('mousemove', (event) => {
    const el = event.target instanceof Element ? event.target.closest('[data-tip]') : null;
    if (el) show(el, event.clientX, event.clientY);
    else if (current) hide();
  });
  document.addEventListener('mouseleave', hide);
  document.addEventListener('focusin', (event) => {
    const el = event.target instanceof Element ? event.target.closest('[data-tip]') : null;
    if (!el) return hide();
    const box = el.getBoundingClientRect();
    show(el, box.left + box.width / 2, box.bottom);
  });

  // Treemap cells: positioned from data-box="x,y,w,h" (percent), through the CSSOM (the
  // Content-Security-Policy allows no inline styles); labels hidden where they cannot fit.
  function layout() {
    for (const el of document.querySelectorAll('[data-box]')) {
      const [x, y, w, h] = el.getAttribute('data-box').split(',').map(Number);
      el.style.left = `${x}%`;
      el.style.top = `${y}%`;
      el.style.width = `${w}%`;
      el.style.height = `${h}%`;
    }
    fit();
  }

  function fit() {
    for (const el of document.querySelectorAll('[data-box]')) {
      el.classList.toggle('tiny', el.clientWidth < 44 || el.clientHeight < 20);
      el.classList.toggle('short', el.clientHeight < 36);
      el.classList.toggle('on-light', luminance(getComputedStyle(el).backgroundColor) > 0.45);
    }
  }

  /** Relative luminance (0 dark to 1 light) of a computed `rgb(…)`/`rgba(…)` colour over this page. */
  function luminance(color) {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?/.exec(color);
    if (!m) return 0;
    const alpha = m[4] === undefined ? 1 : Number(m[4]);
    const page = document.body.classList.contains('vscode-light') ? 255 : 30;
    const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
      const c = (Number(v) * alpha + page * (1 - alpha)) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  // The theme changed: colours (and which labels need dark text) with it.
  new MutationObserver(fit).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  if (typeof ResizeObserver === 'function') new ResizeObserver(fit).observe(document.body);

  function scrollToId(id) {
    const el = id ? document.getElementById(id) : null;
    if (el) el.scrollIntoView({ block: 'center' });
  }

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'render' && typeof m.html === 'string') {
      hide();
      root.innerHTML = m.html;
      if (typeof m.title === 'string') document.title = m.title;
      // The panel may now show another file's report: that is the one to bring back.
      if (m.restore && typeof m.restore === 'object') vscode.setState(m.restore);
      layout();
      if (m.scrollTo) scrollToId(m.scrollTo);
    } else if (m.type === 'patch' && typeof m.id === 'string' && typeof m.html === 'string') {
      const el = document.getElementById(m.id);
      if (el) el.innerHTML = m.html;
      layout();
    }
  });

  layout();
  scrollToId(root.getAttribute('data-scroll-to'));
  post({ type: 'ready' });
})();
