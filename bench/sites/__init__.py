"""Simulated government portals on loopback addresses, for the benchmarks and the tests.

- portal.py: real HTTP servers on 127.0.0.1, one port per "host", serving a directory of saved
  pages (the tests' fixtures, tests/fixtures/portal/, or a site layouts.py writes), with fault
  routes, conditional GET and a log of every request;
- layouts.py: synthetic county sites in the layouts real portals use (report column one to
  four levels deep, year sub-columns, footers, 网站群 pages), written to a directory and served;
- portal_tree.py: one asyncio server answering for many 127.x.y.z hosts: a province portal →
  its prefectures → their counties, for `registry discover --recursive`.
Nothing here touches the network beyond the loopback interface.
"""
