/* The site menu as a disclosure on narrow screens. Without this script the menu is a plain,
   always visible list; with it, phones get a "Menu" button that shows and hides the list. */
(function () {
  "use strict";
  var nav = document.querySelector("[data-site-nav]");
  if (!nav) { return; }
  var button = nav.querySelector(".site-nav__toggle");
  if (!button) { return; }
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("site-nav--open", open);
  }
  nav.classList.add("site-nav--enhanced");
  button.hidden = false;
  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}());
