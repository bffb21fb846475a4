// Progressive enhancement for the callback form: solves the ALTCHA proof of
// work, asks for the SMS code without leaving the page, and counts down
// before the next request. Without this script the form still posts.
(function () {
  'use strict';
  var form = document.getElementById('callback-form');
  if (!form || !window.fetch || !window.Promise || !window.URLSearchParams || !window.FormData) {
    return;
  }
  var button = document.getElementById('send-code');
  var status = document.getElementById('send-code-status');
  var phone = document.getElementById('c-phone');
  var altcha = document.getElementById('c-altcha');
  var label = button.textContent;
  var busy = false;

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'help error' : 'help';
  }

  function ror(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  // SHA-256 of an ASCII string, for browsers without crypto.subtle (plain
  // http pages). The challenge text is always ASCII.
  function sha256Ascii(text) {
    var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var bytes = [];
    var i;
    for (i = 0; i < text.length; i++) {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
    var bits = bytes.length * 8;
    bytes.push(0x80);
    while (bytes.length % 64 !== 56) {
      bytes.push(0);
    }
    for (i = 7; i >= 0; i--) {
      bytes.push(i >= 4 ? 0 : (bits >>> (i * 8)) & 0xff);
    }
    var W = new Array(64);
    for (var offset = 0; offset < bytes.length; offset += 64) {
      var t;
      for (t = 0; t < 16; t++) {
        var j = offset + 4 * t;
        W[t] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
      }
      for (t = 16; t < 64; t++) {
        var x = W[t - 15];
        var y = W[t - 2];
        var s0 = ror(x, 7) ^ ror(x, 18) ^ (x >>> 3);
        var s1 = ror(y, 17) ^ ror(y, 19) ^ (y >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (t = 0; t < 64; t++) {
        var t1 = (h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
        var t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    var out = '';
    for (i = 0; i < 8; i++) {
      out += ('00000000' + (H[i] >>> 0).toString(16)).slice(-8);
    }
    return out;
  }

  var subtle = window.crypto && window.crypto.subtle && window.TextEncoder ? window.crypto.subtle : null;

  function sha256(text) {
    if (!subtle) {
      return Promise.resolve(sha256Ascii(text));
    }
    return subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (buffer) {
      var view = new Uint8Array(buffer);
      var out = '';
      for (var i = 0; i < view.length; i++) {
        out += ('0' + view[i].toString(16)).slice(-2);
      }
      return out;
    });
  }

  // ALTCHA v1: find n with SHA-256(salt + n) = challenge, in small batches
  // so the page stays responsive.
  function solve(challenge) {
    return new Promise(function (resolve, reject) {
      var next = 0;
      function batch() {
        var end = Math.min(next + 400, challenge.maxnumber + 1);
        var tries = [];
        for (var n = next; n < end; n++) {
          tries.push(sha256(challenge.salt + n));
        }
        Promise.all(tries).then(function (hashes) {
          for (var k = 0; k < hashes.length; k++) {
            if (hashes[k] === challenge.challenge) {
              resolve(next + k);
              return;
            }
          }
          next = end;
          if (next > challenge.maxnumber) {
            reject(new Error('unsolved'));
          } else {
            setTimeout(batch, 0);
          }
        }, reject);
      }
      batch();
    });
  }

  function countdown(seconds) {
    button.disabled = true;
    var left = Math.max(1, Math.round(seconds));
    (function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        busy = false;
        return;
      }
      button.textContent = left + '秒后重新获取';
      left -= 1;
      setTimeout(tick, 1000);
    })();
  }

  function reset() {
    busy = false;
    button.disabled = false;
    button.textContent = label;
  }

  function firstError(data) {
    var errors = (data && data.errors) || {};
    for (var key in errors) {
      if (Object.prototype.hasOwnProperty.call(errors, key)) {
        return errors[key];
      }
    }
    return '获取验证码失败，请稍后再试';
  }

  // A page shown again after a refusal keeps the countdown it had: the
  // server says so after its own send (data-wait); after a refused form the
  // script remembers when it asked, for this tab and this phone only.
  var KEY = 'hujifen-code-until';
  function remember(seconds) {
    try {
      window.sessionStorage.setItem(KEY, JSON.stringify({ phone: phone.value.trim(), until: Date.now() + seconds * 1000 }));
    } catch (e) { /* storage off: no countdown after a reload */ }
  }
  var wait = Number(button.getAttribute('data-wait'));
  if (!(wait > 0)) {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
      if (saved && saved.phone === phone.value.trim()) wait = (saved.until - Date.now()) / 1000;
    } catch (e) { wait = 0; }
  }
  if (wait > 0) {
    busy = true;
    countdown(wait);
  }

  button.addEventListener('click', function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    var digits = phone.value.replace(/[\s-]/g, '').replace(/^(\+86|0086)/, '');
    if (!/^1[3-9]\d{9}$/.test(digits)) {
      say('请填写正确的中国大陆手机号码（11位，以1开头）', true);
      phone.focus();
      return;
    }
    busy = true;
    button.disabled = true;
    say('正在进行人机验证，请稍候…');
    fetch('/verification-codes/challenge', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('challenge');
        }
        return response.json();
      })
      .then(function (challenge) {
        return solve(challenge).then(function (number) {
          var payload = {
            algorithm: challenge.algorithm,
            challenge: challenge.challenge,
            number: number,
            salt: challenge.salt,
            signature: challenge.signature
          };
          altcha.value = window.btoa(JSON.stringify(payload));
          say('正在发送验证码…');
          return fetch('/verification-codes', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { Accept: 'application/json' },
            body: new URLSearchParams(new FormData(form))
          });
        });
      })
      .then(function (response) {
        return response.json().then(function (data) {
          altcha.value = '';
          if (data.ok) {
            say(data.message, false);
            remember(data.retry_after || 60);
            countdown(data.retry_after || 60);
            document.getElementById('c-code').focus();
          } else {
            say(firstError(data), true);
            if (data.retry_after) {
              remember(data.retry_after);
              countdown(data.retry_after);
            } else {
              reset();
            }
          }
        });
      })
      .catch(function () {
        altcha.value = '';
        say('网络异常，请稍后再试', true);
        reset();
      });
  });
})();
