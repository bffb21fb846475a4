// Progressive enhancement for the self-test form: a question only some
// visitors answer is shown only when the answer it depends on asks it
// (data-asked-by names that field, data-asked-when the answers that ask).
// Without this script every question shows, with a hint saying who answers.
(function () {
  'use strict';
  var form = document.querySelector('form.self-test');
  if (!form || !document.querySelectorAll) {
    return;
  }
  var fields = form.querySelectorAll('[data-asked-when]');

  function answer(name) {
    var control = form.elements[name];
    if (!control) return '';
    if (control.length !== undefined && control.tagName !== 'SELECT') {
      for (var i = 0; i < control.length; i++) {
        if (control[i].checked) return control[i].value;
      }
      return '';
    }
    return control.value;
  }

  function update() {
    for (var i = 0; i < fields.length; i++) {
      var codes = fields[i].getAttribute('data-asked-when').split(' ');
      var wanted = codes.indexOf(answer(fields[i].getAttribute('data-asked-by'))) >= 0;
      // A question with an error stays in sight.
      fields[i].hidden = !wanted && !fields[i].classList.contains('has-error');
    }
  }

  form.addEventListener('change', update);
  update();
})();
