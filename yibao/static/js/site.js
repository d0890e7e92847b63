// Behaviour shared by every page, kept out of the HTML so that the
// Content-Security-Policy can forbid inline scripts.
// <form data-confirm="问题？"> asks before submitting.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
