/* Swagger UI for /docs, from the assets the fastapi-offline package ships (served at /docs-assets):
   no CDN, and no inline script, so the page runs under the gateway's Content-Security-Policy. */
"use strict";

window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null,  // the default badge asks an online validator
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
