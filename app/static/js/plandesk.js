/* PlanDesk screens: small progressive enhancements; every page works without them.
   Served by PlanDesk itself (CSP script-src 'self'): no inline scripts, nothing from a CDN. */
(function () {
  'use strict';

  function ready(fn) {
    if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
  }

  // the phone menu: the button opens and closes the navigation (Escape closes it and returns focus)
  function menu() {
    var button = document.querySelector('[data-menu-toggle]');
    var nav = button && document.getElementById(button.getAttribute('aria-controls'));
    if (!nav) { return; }
    document.documentElement.classList.add('menu-js');
    button.hidden = false;
    function set(open) {
      nav.classList.toggle('open', open);
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    }
    button.addEventListener('click', function () { set(button.getAttribute('aria-expanded') !== 'true'); });
    nav.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { set(false); button.focus(); }
    });
  }

  ready(function () {
    menu();
    // "select all" checkboxes of the bulk list
    document.querySelectorAll('[data-select-all]').forEach(function (box) {
      var scope = document.getElementById(box.getAttribute('data-select-all'));
      box.addEventListener('change', function () {
        (scope || document).querySelectorAll('input[name="sel"]').forEach(function (c) { c.checked = box.checked; });
        count(scope);
      });
    });
    document.querySelectorAll('[data-selected-count]').forEach(function (el) {
      var scope = document.getElementById(el.getAttribute('data-selected-count'));
      if (scope) { scope.addEventListener('change', function () { count(scope); }); count(scope); }
    });

    function count(scope) {
      if (!scope) { return; }
      var n = scope.querySelectorAll('input[name="sel"]:checked').length;
      document.querySelectorAll('[data-selected-count="' + scope.id + '"]').forEach(function (el) {
        el.textContent = String(n);
      });
    }

    // a confirmation before irreversible actions (data-confirm on the form or the button)
    document.querySelectorAll('form').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        var submitter = event.submitter;
        var message = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
        if (message && !window.confirm(message)) {
          event.preventDefault();
          return;
        }
        // one click, one request: buttons are disabled once the browser has read the form
        if (form.method.toLowerCase() === 'post') {
          window.setTimeout(function () {
            form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
              if (!b.disabled) { b.disabled = true; b.setAttribute('data-pd-disabled', ''); }
            });
          }, 0);
        }
      });
    });

    // coming back with the browser's back button: the buttons work again
    window.addEventListener('pageshow', function () {
      document.querySelectorAll('button[data-pd-disabled]').forEach(function (b) {
        b.disabled = false; b.removeAttribute('data-pd-disabled');
      });
    });

    // the filters are open on a wide screen, folded on a phone until asked for
    if (window.matchMedia && window.matchMedia('(min-width: 701px)').matches) {
      document.querySelectorAll('details[data-open-wide]').forEach(function (d) { d.open = true; });
    }

    // print buttons
    document.querySelectorAll('[data-print]').forEach(function (button) {
      button.addEventListener('click', function () { window.print(); });
    });

    // changing a filter's type narrows the state list to that workflow's states
    var typeSelect = document.querySelector('select[name="type"][data-filter-states]');
    var stateSelect = document.querySelector('select[name="state"]');
    if (typeSelect && stateSelect) {
      var narrow = function () {
        var t = typeSelect.value;
        stateSelect.querySelectorAll('option[data-types]').forEach(function (o) {
          o.hidden = !!t && o.getAttribute('data-types').split(' ').indexOf(t) < 0;
        });
      };
      typeSelect.addEventListener('change', narrow);
      narrow();
    }
  });
}());
