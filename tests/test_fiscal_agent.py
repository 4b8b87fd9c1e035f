import hashlib
import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..fiscal_device_lib.agent.protocol import error_to_dict, result_to_dict, run_job
from ..fiscal_device_lib.core import OutcomeUnknown
from ..fiscal_device_lib.core.errors import DeviceRejected
from .common import FiscalDeviceCommon


@tagged("post_install", "-at_install")
class TestFiscalAgent(FiscalDeviceCommon, HttpCase):
    """The agent's record, key and routes; the relay that turns documents into its jobs."""

    # the fiscal tests put the registry in test mode already
    registry_test_mode = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = cls.env["fiscal.agent"].create({"name": "Till PC"})
        cls.other_agent = cls.env["fiscal.agent"].create({"name": "Other shop"})

    def setUp(self):
        super().setUp()
        self.key = self._new_key(self.agent)
        self.other_key = self._new_key(self.other_agent)

    def _new_key(self, agent):
        action = agent.action_generate_key()
        return self.env["fiscal.agent.key"].browse(action["res_id"]).key

    def _post(self, route, payload=None, key=None):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        response = self.url_open(
            "/fiscal_device/agent/" + route, data=json.dumps(payload or {}), headers=headers
        )
        return response.status_code, response.json()

    def _queued_invoice(self, device=None):
        """An invoice fiscalized on ``device`` bound to the agent, left queued (no wait)."""
        device = device or self.caspos
        device.write({"agent_id": self.agent.id, "agent_wait": 0})
        invoice = self._caspos_invoice() if device == self.caspos else self._n5_invoice()
        invoice.action_fiscalize()
        return self._documents(invoice)

    def _run_on_emulator(self, device, job):
        settings = device._emulator().settings
        with device._family().connect(**device._family().settings(**settings)) as driver:
            return run_job(driver, job)

    # -- key --------------------------------------------------------------------------------

    def test_key_is_shown_once_and_stored_hashed(self):
        agent = self.agent.sudo()
        self.assertTrue(self.key.startswith(f"{agent.id}."))
        self.assertEqual(agent.key_hash, hashlib.sha256(self.key.encode()).hexdigest())
        self.assertNotIn(self.key, json.dumps(agent.read()[0], default=str))
        new_key = self._new_key(self.agent)
        status, answer = self._post("hello", key=self.key)
        self.assertEqual(status, 401)
        self.assertEqual(answer["error"], "Fiscal agent key refused.")
        self.assertEqual(self._post("hello", key=new_key)[0], 200)

    def test_missing_wrong_revoked_and_archived_keys_are_refused(self):
        self.assertEqual(
            self._post("hello"),
            (401, {"error": "Fiscal agent key missing: send Authorization: Bearer <key>."}),
        )
        self.assertEqual(
            self._post("hello", key="nonsense"),
            (401, {"error": "Fiscal agent key missing or malformed."}),
        )
        self.assertEqual(
            self._post("jobs", key=self.key[:-2] + "xx"),
            (401, {"error": "Fiscal agent key refused."}),
        )
        self.agent.action_revoke()
        self.assertEqual(
            self._post("jobs", key=self.key),
            (401, {"error": "Fiscal agent key revoked: ask for a new key."}),
        )
        self.other_agent.active = False
        self.assertEqual(
            self._post("jobs", key=self.other_key),
            (401, {"error": "Fiscal agent Other shop is archived."}),
        )

    def test_hello_returns_own_devices_and_records_version(self):
        self.caspos.agent_id = self.agent
        status, answer = self._post("hello", {"version": "1.2.3"}, key=self.key)
        self.assertEqual(status, 200)
        self.assertEqual([d["id"] for d in answer["devices"]], [self.caspos.id])
        self.assertEqual(answer["devices"][0]["family"], "caspos")
        self.assertTrue(answer["devices"][0]["emulator"])
        self.assertEqual(self.agent.version, "1.2.3")
        self.assertTrue(self.agent.online)
        self.assertEqual(self._post("hello", key=self.other_key)[1]["devices"], [])

    def test_ports_are_shown_on_the_agent(self):
        ports = [{"name": "COM3", "description": "USB serial", "found": "myPOS N5"}]
        self.assertEqual(self._post("ports", {"ports": ports}, key=self.key), (200, {"ports": 1}))
        self.assertEqual(self.agent.ports_text, "COM3 (USB serial): myPOS N5")
        self.assertEqual(
            self._post("ports", {"ports": "COM3"}, key=self.key),
            (400, {"error": "ports must be a list."}),
        )

    # -- jobs -------------------------------------------------------------------------------

    def test_a_document_becomes_a_queued_job_claimed_once_and_reported(self):
        document = self._queued_invoice()
        self.assertEqual((document.state, document.job_state), ("sending", "queued"))
        self.assertEqual(document.agent_id, self.agent)
        self.assertEqual(self.caspos.agent_queue_length, 1)
        self.assertIn("queued for fiscal agent Till PC", document._next_step_text())

        status, answer = self._post("jobs", key=self.key)
        self.assertEqual(
            answer["jobs"], [{"id": document.id, "kind": "sale", "device_id": self.caspos.id}]
        )
        self.assertEqual(self._post("jobs", key=self.other_key)[1]["jobs"], [])
        self.assertEqual(
            self._post("claim", {"job_id": document.id}, key=self.other_key),
            (403, {"error": f"Job {document.id} is not a job of this agent."}),
        )
        status, answer = self._post("claim", {"job_id": document.id}, key=self.key)
        self.assertEqual(status, 200)
        job = answer["job"]
        self.assertEqual((job["uuid"], job["kind"]), (document.uuid, "sale"))
        self.assertEqual(
            self._post("claim", {"job_id": document.id}, key=self.key),
            (409, {"error": f"Job {document.id} is not waiting to be claimed (it is claimed)."}),
        )

        result = self._run_on_emulator(self.caspos, job)
        report = {"job_id": document.id, "result": result_to_dict(result)}
        self.assertEqual(
            self._post("report", report, key=self.other_key),
            (403, {"error": f"Job {document.id} is not a job of this agent."}),
        )
        self.assertEqual(self._post("report", report, key=self.key), (200, {"state": "done"}))
        document.invalidate_recordset()
        self.assertEqual(document.state, "done")
        self.assertEqual(document.document_id, result.document_id)
        # the agent resends its report after a restart: answered, nothing written twice
        self.assertEqual(
            self._post("report", report, key=self.key), (200, {"state": "done", "already": True})
        )
        # pressing the button again hands back the done document
        move = self.env["account.move"].browse(document.res_id)
        move.action_fiscalize()
        self.assertEqual(len(self._documents(move)), 1)

    def test_pressing_again_waits_for_the_same_job(self):
        document = self._queued_invoice(self.n5)
        move = self.env["account.move"].browse(document.res_id)
        move.action_fiscalize()
        self.assertEqual(self._documents(move), document)
        self.assertEqual((document.state, document.job_state), ("sending", "queued"))

    def test_an_unknown_outcome_on_the_n5_is_kept_unknown(self):
        document = self._queued_invoice(self.n5)
        self._post("claim", {"job_id": document.id}, key=self.key)
        error = error_to_dict(OutcomeUnknown("the agent stopped after writing the request"))
        self.assertEqual(
            self._post("report", {"job_id": document.id, "error": error}, key=self.key),
            (200, {"state": "unknown"}),
        )
        document.invalidate_recordset()
        self.assertEqual(document.error_message, "the agent stopped after writing the request")
        self.assertFalse(document.job_state)
        move = self.env["account.move"].browse(document.res_id)
        message = self._user_error_keeping_journal(move.action_fiscalize)
        self.assertIn("has an unknown outcome", message)

    def test_a_lost_caspos_answer_is_resent_under_its_uuid(self):
        document = self._queued_invoice()
        self._post("claim", {"job_id": document.id}, key=self.key)
        error = error_to_dict(OutcomeUnknown("no answer"))
        self.assertEqual(
            self._post("report", {"job_id": document.id, "error": error}, key=self.key),
            (200, {"state": "sending"}),
        )
        move = self.env["account.move"].browse(document.res_id)
        move.action_fiscalize()  # offered again, same document and uuid
        document.invalidate_recordset()
        self.assertEqual((document.state, document.job_state), ("sending", "queued"))
        self.assertEqual(self._documents(move), document)

    def test_a_device_refusal_fails_the_document_with_the_devices_words(self):
        document = self._queued_invoice()
        self._post("claim", {"job_id": document.id}, key=self.key)
        error = error_to_dict(DeviceRejected("203", "Shift is older than 24 hours"))
        self._post("report", {"job_id": document.id, "error": error}, key=self.key)
        document.invalidate_recordset()
        self.assertEqual(
            (document.state, document.error_code, document.error_message),
            ("failed", "203", "Shift is older than 24 hours"),
        )

    def test_malformed_requests_are_refused(self):
        document = self._queued_invoice()
        self.assertEqual(
            self._post("claim", {"job_id": "x"}, key=self.key),
            (400, {"error": "job_id must be a number."}),
        )
        self.assertEqual(
            self._post("claim", {"job_id": 10**9}, key=self.key),
            (404, {"error": f"Job {10**9} does not exist."}),
        )
        self.assertEqual(
            self._post("report", {"job_id": document.id}, key=self.key),
            (400, {"error": "A report carries either result or error."}),
        )

    def test_a_device_of_another_company_cannot_use_the_agent(self):
        other = self.env["res.company"].create({"name": "Other company"})
        foreign = self.env["fiscal.agent"].create({"name": "Foreign", "company_id": other.id})
        with self.assertRaises(UserError):
            self.caspos.agent_id = foreign

    def test_z_report_through_the_agent(self):
        self.caspos.write({"agent_id": self.agent.id, "agent_wait": 0})
        self.caspos.action_z_report()
        document = self.env["fiscal.document"].search(
            [("device_id", "=", self.caspos.id), ("kind", "=", "z_report")]
        )
        self.assertEqual((document.state, document.job_state), ("sending", "queued"))
        other_service = self._user_error_keeping_journal(
            self.caspos._run_service, "info", {}, lambda driver: None
        )
        self.assertIn("runs receipts, cash moves and X/Z reports only", other_service)

    def test_a_claimed_job_the_agent_lost_is_requeued_or_unknown(self):
        caspos_job = self._queued_invoice()
        n5_job = self._queued_invoice(self.n5)
        for job in (caspos_job, n5_job):
            self.assertEqual(self._post("claim", {"job_id": job.id}, key=self.key)[0], 200)
        # the agent restarts without them in its local journal
        status, _answer = self._post("hello", {"known_jobs": []}, key=self.key)
        self.assertEqual(status, 200)
        (caspos_job | n5_job).invalidate_recordset()
        self.assertEqual((caspos_job.state, caspos_job.job_state), ("sending", "queued"))
        self.assertEqual((n5_job.state, n5_job.job_state), ("unknown", False))
        self.assertEqual(
            n5_job.error_message,
            "Claimed by agent Till PC, which no longer has it in its local journal: the device "
            "may have registered it.",
        )

    def test_the_shift_of_an_agent_device_is_read_from_the_journal(self):
        self.caspos.write({"agent_id": self.agent.id, "agent_wait": 0})
        with self.caspos._driver() as relay:
            self.assertEqual(self.caspos._shift_now(relay), (False, None))
        document = self._queued_invoice()
        with self.caspos._driver() as relay:
            self.assertEqual(self.caspos._shift_now(relay), (True, document.sent_at))

    def test_a_user_without_fiscal_rights_meets_the_fiscal_access_check(self):
        self.caspos.agent_id = self.agent
        clerk = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "agent_clerk",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        driver = self.caspos.with_user(clerk)._driver()
        with self.assertRaisesRegex(AccessError, "Only members of the group Fiscal user"):
            driver.__enter__()
