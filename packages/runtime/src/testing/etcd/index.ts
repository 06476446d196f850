export {
  EtcdCluster,
  ETCD_INSTALL_HINT,
  etcdBinary,
  memberStatus,
  startEtcdCluster,
  type EtcdClusterOptions,
  type EtcdMember,
} from './cluster.ts';
export { startTcpProxy, type TcpProxy } from './proxy.ts';
