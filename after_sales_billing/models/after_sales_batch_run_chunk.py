from odoo import fields, models


class AfterSalesBatchRunChunk(models.Model):
    """One chunk of a batch run (billing run, dealer settlement): the groups one job processes.

    Written by the run's jobs only (as superuser); each job writes only its own chunk, so the
    progress of a run is counted from its chunks, not kept on the run's row that every job would
    update at once.
    """

    _name = "after_sales.batch.run.chunk"
    _description = "Batch Run Chunk"
    _order = "res_model, res_id, batch_round, sequence, id"

    res_model = fields.Char(string="Run Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Run", model_field="res_model", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    batch_round = fields.Integer(
        string="Round", required=True, readonly=True, help="Which press of Run made this chunk."
    )
    sequence = fields.Integer(required=True, readonly=True)
    # failed: its job failed for good (queue_job gave up after its retries); Run Again takes up
    # what it held, collected again
    state = fields.Selection(
        [("pending", "Pending"), ("done", "Done"), ("failed", "Failed"), ("cancelled", "Cancelled")],
        required=True,
        default="pending",
        readonly=True,
    )
    groups = fields.Json(readonly=True, help="[[group key, what the group holds], ...]")
    group_count = fields.Integer(string="Documents", readonly=True)
    move_count = fields.Integer(string="Documents Made", readonly=True)
    date_done = fields.Datetime(string="Finished On", readonly=True)

    _run_index = models.Index("(res_model, res_id, batch_round)")

    def _get_groups(self):
        """The groups of this chunk as the run collected them: [(key tuple, payload), ...]."""
        self.ensure_one()
        return [(tuple(key), payload) for key, payload in self.groups or []]
