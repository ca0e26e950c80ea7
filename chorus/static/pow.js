/* Proof of work for browsers with JavaScript: fetch a challenge, find its number with the
   browser's own SHA-256, and put the answer in the form. Without JavaScript forms still work. */
(function () {
  "use strict";
  var field = document.querySelector("input[name=pow]");
  if (!field || !window.crypto || !window.crypto.subtle || !window.fetch) { return; }
  var encoder = new TextEncoder();
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  async function solve(c) {
    for (var n = 0; n <= c.maxnumber; n += 1) {
      var digest = await window.crypto.subtle.digest("SHA-256", encoder.encode(c.salt + n));
      if (hex(digest) === c.challenge) { return n; }
    }
    return null;
  }
  fetch("/api/v1/challenge", {credentials: "omit"})
    .then(function (response) { return response.json(); })
    .then(function (c) {
      return solve(c).then(function (n) {
        if (n === null) { return; }
        field.value = btoa(JSON.stringify({algorithm: c.algorithm, challenge: c.challenge,
          number: n, salt: c.salt, signature: c.signature}));
      });
    })
    .catch(function () { /* the form still works; the server decides */ });
})();
