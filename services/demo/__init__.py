"""The demo: a province's month of traffic driven through the running deployables' HTTP APIs.

``python -m services.demo`` samples a few hundred dossiers with the distributions of domain.md §5.4
(``stories``), times each dossier's steps on the working calendar (``timing``), and plays them in order of
simulated time against intake-api, processing-api, delivery-api, postal-partner and the fake national portal,
moving every clock-bearing deployable's simulated clock to each moment first (``driver``). The one thing it
does not do over HTTP is the national payment platform, which has no deployable: ``payments`` publishes its
``PaymentReceived`` events on Kafka, as the tests do. docs/adr/0390 explains the choices.
"""
