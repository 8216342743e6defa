"""Identity from the company's systems: single sign-on (OIDC, SAML) and SCIM provisioning."""
