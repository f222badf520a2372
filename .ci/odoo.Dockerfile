# Image of the `init` and `odoo` services: the official Odoo 19 image with the OCA addons the
# suite depends on (pinned as in requirements.txt). The four After-Sales addons are mounted.
FROM odoo:19
USER root
# libcairo2: cairosvg (mail_gateway_telegram turns stickers into images with it)
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 && rm -rf /var/lib/apt/lists/*
RUN pip3 install --no-cache-dir --break-system-packages --no-deps \
        odoo-addon-web-timeline==19.0.1.0.0.2 \
        odoo-addon-queue-job==19.0.2.4.0.1 \
        openupgradelib==3.13.7 \
        cssselect==1.6.0 \
        odoo-addon-mail-gateway==19.0.1.1.0 \
        odoo-addon-mail-gateway-telegram==19.0.1.0.0.3 \
    && pip3 install --no-cache-dir --break-system-packages \
        python-telegram-bot==22.8 httpx==0.28.1 httpcore==1.0.9 anyio==4.16.0 h11==0.16.0 \
        sniffio==1.3.1 certifi==2026.5.20 cairosvg==2.9.1 cairocffi==1.7.1 cssselect2==0.10.1 \
        tinycss2==1.5.1 webencodings==0.5.1 defusedxml==0.7.1 lottie==0.7.2
USER odoo
