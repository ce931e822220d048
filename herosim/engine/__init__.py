"""Docker plumbing: the one client, label filters, quiet removal, images, the stack catalogue
and its images (official, or built here from Debian), networks, tar archives."""
