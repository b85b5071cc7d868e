/* DOM helpers shared by the agent console's scripts (agent.js, agent_tools.js,
 * agent_search.js, agent_transfer.js); loaded before them. Text is always set with
 * textContent: nothing a player or an agent typed is ever parsed as HTML. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  window.CasinoDom = { $: byId, el: el, clear: clear };
})();
