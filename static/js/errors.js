// GOV.UK error summaries: after a refused form, focus moves to the summary
// (a screen reader reads it, the page shows it); a link in it scrolls the
// field's label or legend into view, not the bare input, then focuses it.
(function () {
  'use strict';
  var summaries = document.querySelectorAll('.error-summary');
  if (!summaries.length) {
    return;
  }
  summaries[0].setAttribute('tabindex', '-1');
  summaries[0].focus();
  // A form whose action ends in a fragment (the admin's `#call`) comes
  // back at that fragment, and scrolling to it moves focus to the page once
  // loading ends: focus the summary again then.
  window.addEventListener('load', function () {
    if (document.activeElement === document.body) summaries[0].focus();
  });

  function labelFor(target) {
    if (target.tagName === 'FIELDSET') {
      return target.querySelector('legend') || target;
    }
    var label = document.querySelector('label[for="' + target.id + '"]');
    var group = target.closest && target.closest('fieldset.radios');
    return label || (group && group.querySelector('legend')) || target;
  }

  for (var s = 0; s < summaries.length; s++) {
    summaries[s].addEventListener('click', function (event) {
      var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
      if (!link) return;
      var target = document.getElementById(link.getAttribute('href').slice(1));
      if (!target) return;
      event.preventDefault();
      labelFor(target).scrollIntoView();
      var input = target.tagName === 'FIELDSET' ? target.querySelector('input') : target;
      if (input && input.focus) input.focus({ preventScroll: true });
    });
  }
})();
