from odoo import models


class QueueJob(models.Model):
    _inherit = "queue.job"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("state") == "failed":
            self._after_sales_batch_jobs_failed()
        return result

    def _after_sales_batch_jobs_failed(self):
        """These jobs failed for good (queue_job gave up): those of a batch run (billing run,
        dealer settlement) tell their run, so that it does not stay "running"
        (``after_sales.batch.run.mixin._batch_on_job_failed``)."""
        for job in self:
            if not (job.method_name or "").startswith("_batch_job_") or job.model_name not in self.env:
                continue
            runs = self.env[job.model_name].sudo().browse(job.records.ids).exists()
            if hasattr(runs, "_batch_on_job_failed"):
                for run in runs:
                    run._batch_on_job_failed(job)
