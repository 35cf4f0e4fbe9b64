// TextView: untrusted text as text. Only textContent and the title attribute are set.

function render({ model, el }) {
  const node = document.createElement("div");
  const draw = () => {
    const kind = String(model.get("kind") || "plain").replace(/[^a-z]/g, "");
    node.className = `sn-text sn-text-${kind}`;
    node.textContent = model.get("value");
    const title = model.get("title");
    if (title) node.title = title;
    else node.removeAttribute("title");
    node.hidden = !model.get("value");
  };
  draw();
  el.append(node);
  model.on("change:value", draw);
  model.on("change:title", draw);
  model.on("change:kind", draw);
  return () => {
    model.off("change:value", draw);
    model.off("change:title", draw);
    model.off("change:kind", draw);
    node.remove();
  };
}

export default { render };
