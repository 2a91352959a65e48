# pending: tests with the pytest plugin's fixtures
