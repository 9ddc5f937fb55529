/* The approval opinion box (审批意见): a 常用意见 button or the phrase list fills the box.
   Served by PlanDesk itself; without JavaScript the list is sent with the form and the server puts the
   chosen phrase in front of what was typed. Loaded by every page; only forms with a [data-opinion] box are touched. */
(function () {
  'use strict';
  function fill(box, phrase) {
    var area = box.querySelector('textarea[name="comment"]');
    if (!area || !phrase) { return; }
    var text = area.value.replace(/\s+$/, '');
    if (text.indexOf(phrase) === -1) {
      area.value = text ? text + (/[。，；：！？,.;:!?…]$/.test(text) ? '' : '。') + phrase : phrase;
    }
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  function ready(fn) {
    if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
  }

  ready(function () {
    document.querySelectorAll('[data-opinion] [data-phrases]').forEach(function (row) { row.hidden = false; });
    document.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('[data-phrase]');
      var box = button && button.closest('[data-opinion]');
      if (box) { event.preventDefault(); fill(box, button.getAttribute('data-phrase')); }
    });
    document.addEventListener('change', function (event) {
      var select = event.target;
      var box = select.matches && select.matches('[data-opinion] select[data-phrase-list]') && select.closest('[data-opinion]');
      if (box) { fill(box, select.value); select.value = ''; }
    });
  });
}());
