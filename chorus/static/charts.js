/* Draw every chart whose figure the page carries as JSON; the tables stay either way. */
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  var nodes = document.querySelectorAll("[data-chart]");
  Array.prototype.forEach.call(nodes, function (node) {
    var source = document.getElementById(node.getAttribute("data-chart"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    // No toolbar: its buttons would sit inside role="img", and one sends the chart to
    // Plotly's cloud. The table beside each chart carries the numbers.
    window.Plotly.newPlot(node, figure.data, figure.layout, {
      displayModeBar: false, displaylogo: false, responsive: true, showSendToCloud: false
    });
  });
})();
