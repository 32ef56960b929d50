"""The control loops of a run, one module per service family, in the order they hear about a
fault: ec2, elb, asg, rds, aurora, cache, network, storage, serverless, route53, dr, mq, documentdb,
neptune, proxies, msk, redshift, fsx, dms, opensearch, eks, beanstalk, batch, apprunner, hybrid, backup, ecs,
emr, alarms."""
