# Image of the `init` and `odoo` services: the official Odoo 19 image with the OCA addons the
# suite depends on (pinned as in requirements.txt). The four After-Sales addons are mounted.
FROM odoo:19
USER root
RUN pip3 install --no-cache-dir --break-system-packages --no-deps \
        odoo-addon-web-timeline==19.0.1.0.0.2 \
        odoo-addon-queue-job==19.0.2.4.0.1 \
        openupgradelib==3.13.7 \
        cssselect==1.6.0
USER odoo
