// Placeholder page: shows whether the API is ready and any sign-in error passed back in the URL.
const status = document.getElementById('status');
const signInError = new URLSearchParams(window.location.search).get('signInError');
if (signInError) {
  const element = document.getElementById('sign-in-error');
  element.textContent = signInError;
  element.hidden = false;
}
fetch('/api/health/ready')
  .then((response) => {
    status.textContent = response.ok ? 'The service is ready.' : 'The service is starting or cannot reach its database.';
  })
  .catch(() => {
    status.textContent = 'The service cannot be reached.';
  });
