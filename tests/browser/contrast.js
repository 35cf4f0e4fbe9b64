// Contrast of every visible text element under a root, in the page (see contrast.py).
(root) => {
  // Any CSS colour (rgb(), color(srgb ...) from color-mix, oklch, ...) read back as pixels.
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const g2d = canvas.getContext('2d', { willReadFrequently: true });
  const cache = new Map();
  const parse = (c) => {
    if (!c || c === 'none' || c === 'transparent' || String(c).startsWith('url(')) return null;
    if (!cache.has(c)) {
      g2d.clearRect(0, 0, 1, 1);
      g2d.fillStyle = '#000';
      g2d.fillStyle = c;
      g2d.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = g2d.getImageData(0, 0, 1, 1).data;
      cache.set(c, { r, g, b, a: a / 255 });
    }
    return { ...cache.get(c) };
  };
  const over = (top, bottom) => {  // top over an opaque bottom
    const a = top.a;
    return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a),
             b: top.b * a + bottom.b * (1 - a), a: 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const parentOf = (el) => el.parentElement || (el.getRootNode() instanceof ShadowRoot ? el.getRootNode().host : null);
  const layers = (el) => {  // backgrounds under el, nearest first
    const out = [];
    if (el instanceof SVGElement && el.tagName.toLowerCase() === 'text') {
      // Shapes drawn before the text in its group whose box holds the text's centre.
      const t = el.getBBox();
      const cx = t.x + t.width / 2, cy = t.y + t.height / 2;
      const under = (shape) => {
        const b = shape.getBBox();
        return cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height;
      };
      let sib = el.previousElementSibling;
      while (sib) {
        const s = getComputedStyle(sib);
        const fill = parse(s.fill);
        const shape = ['rect', 'path', 'circle', 'ellipse', 'polygon'].includes(sib.tagName.toLowerCase());
        if (fill && shape && under(sib)) {
          fill.a *= Number(s.fillOpacity || 1) * Number(s.opacity || 1);
          if (fill.a > 0) out.push(fill);
        }
        sib = sib.previousElementSibling;
      }
    }
    for (let n = el; n; n = parentOf(n)) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg && bg.a > 0) out.push(bg);
    }
    return out;
  };
  const background = (el) => {
    let c = { r: 255, g: 255, b: 255, a: 1 };  // the canvas under everything
    const stack = layers(el);
    for (let i = stack.length - 1; i >= 0; i--) c = over(stack[i], c);
    return c;
  };
  const opacity = (el) => { let o = 1; for (let n = el; n; n = parentOf(n)) o *= Number(getComputedStyle(n).opacity || 1); return o; };
  const visible = (el) => {
    if (!el.getClientRects().length) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const rows = [];
  const all = [root, ...root.querySelectorAll('*')];
  for (const el of all) {
    const tag = el.tagName.toLowerCase();
    if (['option', 'script', 'style', 'title', 'video', 'canvas'].includes(tag)) continue;
    const field = ['input', 'textarea', 'select'].includes(tag);
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    const text = field ? (el.value || '') : own;
    if (!text || (field && ['checkbox', 'radio', 'range', 'file', 'color'].includes(el.type))) continue;
    if (!visible(el)) continue;
    if (el.disabled || el.closest('button:disabled, fieldset:disabled')) continue;
    const s = getComputedStyle(el);
    const fg = parse(el instanceof SVGElement ? s.fill : s.color);
    if (!fg) continue;
    fg.a *= opacity(el) * (el instanceof SVGElement ? Number(s.fillOpacity || 1) : 1);
    const bg = background(el);
    const shown = over(fg, bg);
    rows.push({ text: text.slice(0, 40), tag, cls: String(el.getAttribute('class') || '').slice(0, 60),
                fg: hex(shown), bg: hex(bg), ratio: Math.round(ratio(shown, bg) * 100) / 100,
                size: s.fontSize });
  }
  return rows;
}
