// Progressive enhancement for the self-test form: a question only some
// visitors answer (data-asked-when lists the 职称/技能等级 codes that ask it)
// is shown only when one of those is chosen. Without this script every
// question shows, with a hint saying who answers it.
(function () {
  'use strict';
  var qualification = document.getElementById('f-qualification');
  if (!qualification || !document.querySelectorAll) {
    return;
  }
  var fields = document.querySelectorAll('[data-asked-when]');

  function update() {
    for (var i = 0; i < fields.length; i++) {
      var codes = fields[i].getAttribute('data-asked-when').split(' ');
      fields[i].hidden = codes.indexOf(qualification.value) < 0;
    }
  }

  qualification.addEventListener('change', update);
  update();
})();
