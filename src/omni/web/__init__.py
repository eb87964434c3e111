"""Server-rendered console pages (htmx + Alpine), one subpackage per domain as they come."""
