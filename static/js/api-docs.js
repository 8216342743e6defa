// The API's docs page (/api/v1/docs): Swagger UI on the OpenAPI document the page names.
(function () {
  "use strict";
  var box = document.getElementById("swagger-ui");
  if (!box || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: box.getAttribute("data-openapi-url"),
    domNode: box,
    deepLinking: true,
    // Bearer tokens only: "Authorize" takes one; cookies are never sent with the calls.
    withCredentials: false,
    persistAuthorization: false,
  });
})();
