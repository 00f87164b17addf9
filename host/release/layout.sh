# The host directory layout: every name under the base directory (e.g. /home/ec2-user/compose-on-ec2),
# written once for the host scripts, which source this file. components/layout.ts holds the same
# names for the program; a unit test keeps the two equal.
# shellcheck shell=bash disable=SC2034 # read by the scripts that source this file

layout_uploads=uploads                          # manifests as uploaded: uploads/<release id>.manifest
layout_store=store                              # file contents by sha256, shared by every release (hard links)
layout_releases=releases                        # one release per manifest, assembled from the store
layout_current=current                          # link to the release that serves
layout_previous=previous                        # link to the release that served before it
layout_active=active                            # link compose runs from (the release being switched to)
layout_deploy_lock=deploy.lock                  # held by the one deploy that may run
layout_cache=cache                              # compose service lists, by compose file hash
layout_deployed_containers=deployed-containers  # the containers the last deploy left running
layout_others_fingerprints=others-fingerprints  # the other services' containers with the config and env they run
layout_logs=logs                                # full output of each deploy and destroy (mode 0600)
layout_release_scripts=.compose-on-ec2          # where these scripts sit inside a release
layout_release_images=.release-images           # inside a release: service, image compose runs, kept tag
layout_release_id=.release-id                   # inside a release: its RELEASE_ID, kept once its .env is removed
layout_settings=deploy-settings                 # the last deploy's settings, read by the ops verbs
layout_rollback=rollback                        # the last ops rollback: from, to, when (until a new release)
layout_maintenance=maintenance                  # mounted into the proxy; maintenance/on is the page it serves
layout_edge=edge                                # the edge (HAProxy): settings, config, certificate, ACME account, status
layout_acme=acme                                # the ACME client's own directory (lego runs as compose-acme): account, certificates, hand-over copy
layout_db_ca=db-ca                              # the database CA bundle, mounted read-only into the app (db-user step)
