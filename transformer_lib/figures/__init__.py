"""Chapter-specific drawings, one module per concept. They only draw: every number they show
is computed by the rest of the package and passed in."""
