"""Party: organisations, regions, sales regions, customers (dealers, stores), suppliers."""
