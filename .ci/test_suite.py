"""Tests of suite.py's reading of Odoo's log (run by make lint with the other .ci tests)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))

import suite

PREFIX = "2026-12-06 10:00:00,123 4242 INFO after_sales_test werkzeug: 127.0.0.1 - - [06/Dec/2026 10:00:00] "
SUMMARY = (
    "2026-12-06 10:00:01,000 4242 INFO after_sales_test odoo.tests.stats: "
    "0 failed, 0 error(s) of 3 tests when loading database 'after_sales_test'"
)


def request_line(method, path, mode):
    return f'{PREFIX}"{method} {path} HTTP/1.1" 200 - 12 0.003 0.020 {mode}\n'


class TestReplicaLog(unittest.TestCase):
    def _log(self, *lines, replica=True):
        log = suite.TestLog(replica=replica)
        for line in (*lines, SUMMARY):
            log.feed(line)
        return log

    def test_read_only_requests_pass(self):
        log = self._log(
            request_line("GET", "/my/requests", "ro"),
            request_line("POST", "/web/dataset/call_kw/after_sales.request/web_save", "rw"),
        )
        self.assertEqual(log.cursor_modes, {"ro": 1, "rw": 1, "ro->rw": 0, "-": 0})
        self.assertEqual(log.verdict(0), (3, 0, 0, []))

    def test_a_read_only_request_that_wrote_fails_the_run(self):
        log = self._log(request_line("GET", "/my/requests?filterby=open", "ro->rw"))
        passed, failed, _skipped, problems = log.verdict(0)
        self.assertEqual((passed, failed), (3, 1))
        self.assertEqual(
            problems, ["wrote on the read-only cursor (a replica refuses it): GET /my/requests?filterby=open"]
        )

    def test_without_replica_the_modes_are_not_read(self):
        log = self._log(request_line("GET", "/my/requests", "ro->rw"), replica=False)
        self.assertEqual(log.verdict(0), (3, 0, 0, []))


if __name__ == "__main__":
    unittest.main()
