enum _PlaceholderIntegratorServer {}
