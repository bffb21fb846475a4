// The advisors' workspace, enhanced: a quick pick (明天, 3天后) fills the
// follow-up date it belongs to, and the lead list's filters start open on
// screens wide enough to show them beside nothing else. Without this
// script the date field and the "筛选" panel work as they are.
(function () {
  'use strict';
  var picks = document.querySelectorAll('.quick-pick');
  for (var i = 0; i < picks.length; i++) {
    picks[i].hidden = false;
    picks[i].addEventListener('click', function () {
      var input = document.getElementById(this.getAttribute('data-for'));
      if (!input) return;
      input.value = this.getAttribute('data-date');
      input.focus();
    });
  }
  var filters = document.getElementById('filters');
  if (filters && window.matchMedia && window.matchMedia('(min-width: 721px)').matches) {
    filters.open = true;
  }
})();
