// Hotkeys: Ctrl/Cmd+Enter submits the panel's form, Escape leaves remix mode.
// Listens on the enclosing .sn-panel only; replies with an error are shown briefly.

function render({ model, el }) {
  const pending = new Map();
  const prefix = Math.random().toString(36).slice(2, 10);
  let next = 1;
  const note = document.createElement("div");
  note.className = "sn-hotkey-note";
  note.setAttribute("aria-live", "polite");
  el.append(note);
  const scope = el.closest(".sn-panel") || el.parentElement || el;

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
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation(); // keep JupyterLab from running the cell
      // let a focused textarea push its latest value to the model first
      event.target?.dispatchEvent?.(new Event("change", { bubbles: true }));
      setTimeout(() => send("submit"), 0);
    } else if (event.key === "Escape" && scope.querySelector(".sn-mode:not(.sn-hidden)")) {
      send("cancel");
    }
  };
  scope.addEventListener("keydown", onKey, true);
  model.on("msg:custom", onMsg);
  return () => {
    scope.removeEventListener("keydown", onKey, true);
    model.off("msg:custom", onMsg);
    pending.clear();
    note.remove();
  };
}

export default { render };
