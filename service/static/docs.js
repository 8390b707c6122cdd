/* Swagger UI for /docs: started from this file, not inline, so that the service's
 * Content-Security-Policy (script-src 'self') admits it. */
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  layout: 'BaseLayout',
  deepLinking: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis],
});
