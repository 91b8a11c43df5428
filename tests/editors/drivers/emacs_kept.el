;;; emacs_kept.el --- walks steps in batch Emacs with the README's config  -*- lexical-binding: t -*-
;; The steps in $GREPLS_STEPS (JSON): {"run": LISP} evaluates a form, {"wait": N} waits until
;; flymake holds N of grepls's diagnostics and records them (line and column from 0, the pattern's
;; id from eglot's "grepls [ID]: ..." text) with the ids `grepls-remove-pattern' offers then;
;; {"eval": LISP} evaluates a form until it is non-nil (5 s at most) and records it as "value".
;; Connects eglot directly (batch Emacs has no command loop for `eglot-ensure') and fires the idle
;; timers by hand while it waits.  Writes the records and the messages as JSON to $GREPLS_OUT.
(require 'json)
(require 'cl-lib)

(defvar grepls-kept--messages nil "What `message' said, newest first.")

(defun grepls-kept--said (format-string &rest arguments)
  (when format-string
    (push (apply #'format-message format-string arguments) grepls-kept--messages)))

(advice-add 'message :before #'grepls-kept--said)

(defun grepls-kept--idle ()
  (dolist (timer (copy-sequence timer-idle-list))
    (when (memq timer timer-idle-list)
      (timer-event-handler timer))))

(defun grepls-kept--shown ()
  "[line column id] of each diagnostic flymake holds, in order."
  (vconcat
   (sort (mapcar (lambda (d)
                   (save-excursion
                     (goto-char (flymake-diagnostic-beg d))
                     (let ((text (flymake-diagnostic-text d)))
                       (vector (1- (line-number-at-pos)) (current-column)
                               (and (string-match "\\[\\([^]]*\\)\\]" text)
                                    (match-string 1 text))))))
                 (flymake-diagnostics))
         (lambda (a b) (or (< (aref a 0) (aref b 0))
                           (and (= (aref a 0) (aref b 0)) (< (aref a 1) (aref b 1))))))))

(defun grepls-kept--wait (seconds predicate)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (grepls-kept--idle))))

(let ((ok nil) (seen nil) (problem nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (apply #'eglot (eglot--guess-contact))
        (grepls-kept--wait 20 #'eglot-managed-p)
        (unless (eglot-managed-p) (error "eglot never managed the buffer"))
        (dolist (step (append (let ((json-object-type 'alist))
                                  (json-read-from-string (getenv "GREPLS_STEPS")))
                                nil))
          (cond
           ((assq 'run step)
            (eval (car (read-from-string (cdr (assq 'run step)))) t))
           ((assq 'eval step)
            (let* ((form (car (read-from-string (cdr (assq 'eval step)))))
                   (value nil))
              (grepls-kept--wait 5 (lambda () (setq value (eval form t))))
              (push `((value . ,value)) seen)))
           (t
            (let ((wanted (cdr (assq 'wait step))))
              (grepls-kept--wait 20 (lambda () (= (length (grepls-kept--shown)) wanted)))
              ;; Long enough for a pattern that should not be there to show too.
              (grepls-kept--wait 0.3 #'ignore)
              (push `((shown . ,(grepls-kept--shown))
                      (offered . ,(vconcat (mapcar #'car (gethash (eglot-current-server)
                                                                  grepls--kept)))))
                    seen)))))
        (setq ok t))
    (error (setq problem (error-message-string err))))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false)) (error . ,problem)
                             (seen . ,(vconcat (reverse seen)))
                             (messages . ,(vconcat (reverse grepls-kept--messages))))))))
  ;; Shut the server down before leaving, as a user's Emacs does: killed with a request of the
  ;; server's still unread (its workspace/configuration, just after connecting), Emacs reads it
  ;; while exiting, answers a process already gone, and exits 255.
  (ignore-errors
    (let ((server (eglot-current-server)))
      (when server (eglot-shutdown server))))
  (kill-emacs (if ok 0 1)))
;;; emacs_kept.el ends here
