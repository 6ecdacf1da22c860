"""A corpus of realistic lines for the secret detector: positives and negatives, each with its verdict.

Every value is fabricated for these tests and matches no real credential. ``SECRET`` samples name the
detector types expected (at least one of them must fire); ``CLEAN`` samples must give nothing. The
decisions behind the negatives (references, variables, templates, paths, placeholders) are documented
in :mod:`awsbp.secrets`.
"""

from __future__ import annotations

# fabricated values, reused so tests can assert that none of them survives a scan
KEY_ID = "AKIAZ7CORPUSEXAMPL3Q"
SECRET_KEY = "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"  # 40 characters, as AWS secret keys are
SESSION_TOKEN = "IQoJb3JpZ2luX2VjE" + "Fz" * 60 + "c0rPusT0k3n"
PASSWORD = "Corpus-Passw0rd-8841"
GITHUB_CLASSIC = "ghp_" + "C0rpusT0k3nAbCdEfGhIjKlMnOpQrStUv"[:36].ljust(36, "x")
GITHUB_FINE = "github_pat_11ACORPUS0" + "c0rpusFineGrainedT0k3n" * 3 + "abcd"
GITLAB = "glpat-C0rpusGitLabT0k3nXy12"
SLACK_BOT = "xoxb-" + "123456789012-1234567890123-" + "c0rpusSlackB0tT0k3nAbcdEf"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0CORPUS1/B0CORPUS2/c0rpusHookSecretAbCdEfGh"
DISCORD_HOOK = "https://discord.com/api/webhooks/" + "123456789012345678/c0rpus-Disc0rdHookT0k3n_AbCdEfGhIjKlMnOp"
STRIPE = "sk_" + "live_" + "C0rpusStripeKeyAbCdEfGhI"
NPM = "npm_" + "C0rpusNpmT0k3nAbCdEfGhIjKlMnOpQrStUv"
SENDGRID = "SG." + "C0rpusSendGridKeyAbCd1" + "." + "C0rpusSendGridSecretAbCdEfGhIjKlMnOpQrStUvW"
TWILIO = "SK" + "0123456789abcdef0123456789abcdef"
PRIVATE_KEY_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"  # split so repository hooks do not flag this file
BEARER = "c0rpusBearerT0k3nAbCdEf0123"

VALUES = (
    KEY_ID,
    SECRET_KEY,
    SESSION_TOKEN,
    PASSWORD,
    GITHUB_CLASSIC,
    GITHUB_FINE,
    GITLAB,
    SLACK_BOT,
    STRIPE,
    NPM,
    SENDGRID,
    BEARER,
)

AWS = "AWS Access Key"
ARG = "Password Argument"
KEYWORD = "Secret Keyword"
BASIC = "Basic Auth Credentials"

# (line, detector types of which at least one must fire)
SECRET: list[tuple[str, set[str]]] = [
    # AWS keys in the forms scripts and config files use
    (f"export AWS_ACCESS_KEY_ID={KEY_ID}", {AWS}),
    (f"export AWS_SECRET_ACCESS_KEY={SECRET_KEY}", {AWS}),
    (f"aws configure set aws_secret_access_key {SECRET_KEY}", {AWS}),
    (f"aws configure set aws_access_key_id {KEY_ID} --profile deploy", {AWS}),
    (f"aws configure set aws_session_token {SESSION_TOKEN}", {AWS}),
    (f"aws_secret_access_key = {SECRET_KEY}", {AWS}),
    (f'  "SecretAccessKey": "{SECRET_KEY}",', {AWS}),
    (f"$env:AWS_SECRET_ACCESS_KEY = '{SECRET_KEY}'", {AWS}),
    # passwords on command lines
    (f"mysql -u root -p{PASSWORD} -h db.internal shop", {ARG}),
    (f"mysqldump --user=app --password={PASSWORD} shop > /tmp/shop.sql", {ARG}),
    (f"mysqladmin -u root password --password {PASSWORD}", {ARG}),
    (f"PGPASSWORD={PASSWORD} psql -h db.internal -U app shop", {KEYWORD}),
    (f"MYSQL_PWD={PASSWORD} mysql -u app shop", {KEYWORD}),
    (f"sshpass -p '{PASSWORD}' ssh deploy@10.0.1.5", {ARG}),
    (f"redis-cli -h cache.internal -a {PASSWORD} ping", {ARG}),
    (f"docker login -u ci -p {PASSWORD} registry.example.com", {ARG}),
    (f"curl -u admin:{PASSWORD} https://jenkins.internal/api/json", {ARG}),
    (f"echo 'root:{PASSWORD}' | chpasswd", {ARG}),
    (
        f"aws rds create-db-instance --db-instance-identifier shop --master-user-password {PASSWORD}",
        {ARG},
    ),
    (f"aws secretsmanager put-secret-value --secret-id db --secret-string '{PASSWORD}'", {ARG}),
    (f"keytool -importkeystore -srcstorepass {PASSWORD} -deststorepass {PASSWORD}", {ARG}),
    # credentials in URLs
    (f"git clone https://deploy:{GITHUB_CLASSIC}@github.com/acme/shop.git", {BASIC, "GitHub Token"}),
    (f"git clone https://{GITHUB_CLASSIC}@github.com/acme/shop.git", {"Token in URL", "GitHub Token"}),
    (f"DATABASE_URL=postgres://app:{PASSWORD}@db.internal:5432/shop", {BASIC}),
    (f"pip install --index-url https://ci:{PASSWORD}@pypi.internal/simple shop", {BASIC}),
    # headers
    (f'curl -H "Authorization: Bearer {BEARER}" https://api.example.com/v1/orders', {"Authorization Header"}),
    (f"curl -H 'X-API-Key: {BEARER}' https://api.example.com", {"Authorization Header"}),
    (f'curl --header "PRIVATE-TOKEN: {GITLAB}" https://gitlab.example.com/api/v4/projects', {"GitLab Token"}),
    # webhooks
    (f"curl -X POST -d @msg.json {SLACK_HOOK}", {"Slack Token"}),
    (f"WEBHOOK={DISCORD_HOOK}", {"Webhook URL"}),
    # token formats
    (f"GITHUB_TOKEN={GITHUB_CLASSIC}", {"GitHub Token"}),
    (f"gh auth login --with-token <<< {GITHUB_FINE}", {"GitHub Token"}),
    (f"git remote add origin https://oauth2:{GITLAB}@gitlab.example.com/acme/shop.git", {"GitLab Token", BASIC}),
    (f"SLACK_BOT_TOKEN={SLACK_BOT}", {"Slack Token"}),
    (f"stripe.api_key = '{STRIPE}'", {"Stripe Access Key"}),
    (f"//registry.npmjs.org/:_authToken={NPM}", {"NPM tokens"}),
    (f"echo {NPM} > ~/.npmtoken", {"NPM tokens"}),
    (f"SENDGRID_API_KEY={SENDGRID}", {"SendGrid API Key"}),
    (f"TWILIO_API_KEY={TWILIO}", {"Twilio API Key"}),
    (PRIVATE_KEY_HEADER, {"Private Key"}),
    # keywords and YAML (cloud-config, buildspec env.variables)
    (f"password = {PASSWORD}", {KEYWORD}),
    (f'      DB_PASSWORD: "{PASSWORD}"', {KEYWORD}),
    (f"    passwd: {PASSWORD}", {KEYWORD}),
]

# lines that must give nothing
CLEAN: list[str] = [
    "#!/bin/bash",
    "yum install -y nginx && systemctl enable --now nginx",
    "aws configure set region ap-northeast-1",
    "aws s3 cp s3://shop-artifacts/app.tar.gz /opt/app/",
    # options naming a file or stdin, not a value
    "mysql --defaults-extra-file=/etc/mysql/app.cnf shop",
    "docker login --username ci --password-stdin registry.example.com < /run/secrets/registry",
    "vault login -method=aws --token-file /run/secrets/vault",
    "mysqld --password-file /run/secrets/db",
    "consul acl bootstrap --token-file=/etc/consul/token",
    # variables and command substitutions
    'mysql -u app -p"${DB_PASSWORD}" shop',
    'mysql -u app -p"$DB_PASSWORD" shop',
    "PGPASSWORD=$PGPASS psql -h db.internal -U app",
    "export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/db --query SecretString --output text)",
    "export API_TOKEN=`cat /run/secrets/api`",
    "curl -u admin:$JENKINS_TOKEN https://jenkins.internal/api/json",
    'curl -H "Authorization: Bearer ${TOKEN}" https://api.example.com',
    "git clone https://${GIT_USER}:${GIT_TOKEN}@github.com/acme/shop.git",
    "set PASSWORD=%DB_PASSWORD%",
    # templates and references
    "password: '{{resolve:secretsmanager:prod/db:SecretString:password}}'",
    "password: ${{ secrets.DB_PASSWORD }}",
    "MasterUserPassword: !Ref DbPassword",
    "password: !Sub '{{resolve:ssm-secure:/shop/db}}'",
    "DB_SECRET_ARN=arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:shop/prod/db",
    "password: {{ db_password }}",
    # placeholders
    "password: changeme",
    "--password <password>",
    "DB_PASSWORD=xxxxxxxx",
    "password: ********",
    "export AWS_SECRET_ACCESS_KEY=your-secret-access-key",
    "api_key: YOUR_API_KEY",
    "token: paste-token-here",
    # look-alikes that are not credentials
    "ssh -p 2222 deploy@bastion.internal",
    "mkdir -p /opt/app/releases",
    "docker run -d -p 80:80 nginx:1.27",
    "mysql -h db.internal -P 3306 -u app -p",
    "git clone https://github.com/acme/shop.git",
    "git clone ssh://git@github.com/acme/shop.git",
    "curl https://x-access-token@github.com/acme/shop",
    "aws secretsmanager get-secret-value --secret-id prod/db",
    "aws ssm get-parameter --name /shop/prod/db-password --with-decryption",
    "TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
    "echo 'nginx ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/nginx",
]

# a buildspec: env.variables hold a secret (line 5), parameter-store/secrets-manager hold names (not secrets)
BUILDSPEC = f"""version: 0.2
env:
  variables:
    STAGE: prod
    DB_PASSWORD: "{PASSWORD}"
  parameter-store:
    API_TOKEN: /shop/prod/api-token
    DB_PASSWORD_REF: shop-db-password-param
  secrets-manager:
    DOCKERHUB_PASSWORD: dockerhub:password
phases:
  build:
    commands:
      - mysql -u app -p"$DB_PASSWORD" -e 'select 1'
      - curl -H "Authorization: Bearer {BEARER}" https://api.example.com/deploy
"""
BUILDSPEC_SECRET_LINES = {5, 15}
