// Hotkeys: Ctrl/Cmd+Enter submits the panel's form, Escape leaves remix mode.
// Only keys pressed inside the enclosing .sn-panel count. The listener sits on window in
// the capture phase: the view is rendered before it is attached (so the panel is looked
// up per key press), and ipywidgets' text boxes stop keydown from bubbling.

function render({ model, el }) {
  const pending = new Map();
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 1;
  const note = document.createElement("div");
  note.className = "sn-hotkey-note";
  note.setAttribute("aria-live", "polite");
  el.append(note);

  const onMsg = (msg) => {
    if (!msg || msg.kind !== "reply" || !pending.has(msg.id)) return;
    pending.delete(msg.id);
    note.textContent = msg.ok ? "" : String(msg.error || "");
  };
  const send = (method) => {
    const id = `${prefix}-${next++}`;
    pending.set(id, true);
    model.send({ kind: "request", id, method, args: {} });
  };
  const onKey = (event) => {
    const panel = el.closest(".sn-panel");
    if (!panel || !(event.target instanceof Node) || !panel.contains(event.target)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation(); // keep JupyterLab from running the cell
      // let a focused textarea push its latest value to the model first
      event.target?.dispatchEvent?.(new Event("change", { bubbles: true }));
      setTimeout(() => send("submit"), 0);
    } else if (event.key === "Escape" && panel.querySelector(".sn-mode:not(.sn-hidden)")) {
      send("cancel");
    }
  };
  window.addEventListener("keydown", onKey, true);
  model.on("msg:custom", onMsg);
  return () => {
    window.removeEventListener("keydown", onKey, true);
    model.off("msg:custom", onMsg);
    pending.clear();
    note.remove();
  };
}

export default { render };
